"""Reads about contracts: revenue for eligibility, entitlement, what a partner may sell."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from contracts.models import Contract, ContractAsset, Offering


def revenue_entries_by_partner(
    partner_ids: Iterable[int] | None, *, since: date, until: date
) -> dict[int, list[tuple[Decimal, date]]]:
    """Contract sales booked in ``[since, until]`` per partner: ``(price, booked_on)``.

    Cancelled contracts and quotes do not count; expired ones do (the sale happened).
    ``partner_ids=None`` reads every partner (one query either way).
    """
    rows = Contract.objects.counting_as_revenue().filter(booked_on__gte=since, booked_on__lte=until)
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=list(partner_ids))
    result: dict[int, list[tuple[Decimal, date]]] = defaultdict(list)
    for partner_id, price, booked_on in rows.values_list(
        "partner_id", "price_eur", "booked_on"
    ).order_by():
        result[partner_id].append((price, booked_on))
    return result


def coverages_in_force(on: date) -> QuerySet[ContractAsset]:
    return ContractAsset.objects.filter(
        is_active=True,
        starts_on__lte=on,
        ends_on__gte=on,
        contract__status=Contract.Status.ACTIVE,
    )


def entitlements_for_serial(
    serial: str, *, partner_id: int | None, on: date
) -> list[ContractAsset]:
    """Active coverage of the asset(s) with this serial number: one query.

    ``partner_id`` scopes to one partner's customers (``None``: HP staff, every partner).
    """
    # Serials are stored upper-case (asset_create): match what people type.
    rows = coverages_in_force(on).filter(asset__serial_number=serial.strip().upper())
    if partner_id is not None:
        rows = rows.filter(contract__partner_id=partner_id)
    return list(
        rows.select_related(
            "contract__offering", "contract__customer", "asset__site", "asset__product_line"
        ).order_by("contract__offering__kind", "ends_on")
    )


def coverage_for_asset(asset_id: int, *, on: date) -> ContractAsset | None:
    """The coverage a ticket on this asset is opened under (the best service level)."""
    rows = list(
        coverages_in_force(on)
        .filter(asset_id=asset_id, kind__in=["care_pack", "contract"])
        .select_related("contract__offering", "contract__partner__tier")
    )
    if not rows:
        return None
    # Several coverages may be in force (a care pack and a contract): the fastest on-site wins.
    return min(
        rows,
        key=lambda c: (
            c.contract.offering.onsite_hours or 10_000,
            c.contract.offering.response_hours,
        ),
    )


@dataclass(frozen=True)
class CatalogueLine:
    offering: Offering
    may_sell: bool
    may_deliver: bool
    tier_to_sell_name: str
    tier_to_deliver_name: str


def catalogue_for(partner: Any) -> list[CatalogueLine]:
    """Every active offering with what ``partner``'s tier allows (two queries)."""
    rank = partner.tier.rank if partner is not None and partner.tier_id else -1
    offerings = (
        Offering.objects.active()
        .select_related("tier_to_sell", "tier_to_deliver")
        .prefetch_related("product_lines")
    )
    return [
        CatalogueLine(
            offering=o,
            may_sell=rank >= o.tier_to_sell.rank,
            may_deliver=rank >= o.tier_to_deliver.rank,
            tier_to_sell_name=o.tier_to_sell.display_name,
            tier_to_deliver_name=o.tier_to_deliver.display_name,
        )
        for o in offerings
    ]
