"""Customers, their sites and assets as the pages list them, and the serial numbers claimed by
two partners that HP arbitrates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from contracts.models import Asset, Contract, ContractAsset, Customer, Site
from contracts.selectors.common import _one, assets_for, customers_for, in_force_prefetch
from contracts.serials import normalise_serial
from servicone.access import Viewer


def customer_of(viewer: Viewer, customer_id: int) -> Customer | None:
    """One customer the viewer may see (with its partner), or ``None``."""
    return _one(customers_for(viewer).select_related("partner"), customer_id)


def _count_per_customer(rows: QuerySet[Any]) -> Coalesce:
    return Coalesce(
        Subquery(
            rows.filter(customer=OuterRef("pk"))
            .order_by()
            .values("customer")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def customers_with_counts(
    viewer: Viewer, *, search: str, on: date, with_partner: bool = False
) -> QuerySet[Customer]:
    """The viewer's customers matching ``search`` (name or SIREN), by name, with their
    sites, assets and contracts in force on ``on`` counted as subqueries (no row explosion).
    """
    rows = customers_for(viewer)
    if with_partner:
        rows = rows.select_related("partner")
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(siren=search))
    return rows.annotate(
        site_count=_count_per_customer(Site.objects.all()),
        asset_count=_count_per_customer(Asset.objects.all()),
        contract_count=_count_per_customer(Contract.objects.in_force_on(on)),
    ).order_by("name", "pk")


def customer_sites(customer: Customer) -> QuerySet[Site]:
    return Site.objects.filter(customer=customer).order_by("name", "pk")


def sites_with_asset_counts(customer: Customer) -> list[Site]:
    return list(customer_sites(customer).annotate(asset_count=Count("assets")))


def _serial_contains(search: str) -> Q:
    """A search box's text as part of a serial number: "czj 99" finds CZJ9990001."""
    return Q(serial_number__icontains=normalise_serial(search) or search)


def customer_assets(customer: Customer, *, search: str, on: date) -> QuerySet[Asset]:
    """The customer's assets matching ``search`` (serial or model), with their coverage."""
    rows = Asset.objects.filter(customer=customer)
    if search:
        rows = rows.filter(_serial_contains(search) | Q(model__icontains=search))
    return (
        rows.select_related("site", "product_line")
        .prefetch_related(in_force_prefetch(on))
        .order_by("serial_number", "pk")
    )


def customer_assets_by_id(customer: Customer, asset_ids: Collection[int]) -> list[Asset]:
    """Those of ``asset_ids`` that are this customer's assets (fewer when some are not)."""
    return list(
        Asset.objects.filter(customer=customer, pk__in=asset_ids)
        .select_related("product_line", "site")
        .order_by("serial_number", "pk")
    )


@dataclass(frozen=True)
class AssetChoices:
    """The assets step 2 of the sell flow lists: the chosen ones first, then the others."""

    chosen: list[Asset]
    others: list[Asset]
    total: int  # every asset matching the search, chosen or not
    truncated: bool


def sell_asset_choices(
    customer: Customer, *, search: str, chosen_ids: Collection[int], on: date, limit: int
) -> AssetChoices:
    # Only a confirmed asset may be covered: one held for HP's arbitration is not offered.
    rows = Asset.objects.confirmed().filter(customer=customer)
    if search:
        rows = rows.filter(
            _serial_contains(search) | Q(model__icontains=search) | Q(site__name__icontains=search)
        )
    others = list(
        rows.select_related("site", "product_line")
        .prefetch_related(in_force_prefetch(on))
        .exclude(pk__in=chosen_ids)
        .order_by("serial_number", "pk")[:limit]
    )
    # The chosen assets stay on the page whatever the search shows.
    chosen = list(
        Asset.objects.filter(pk__in=chosen_ids)
        .select_related("site", "product_line")
        .prefetch_related(in_force_prefetch(on))
        .order_by("serial_number", "pk")
    )
    return AssetChoices(
        chosen=chosen, others=others, total=rows.count(), truncated=len(others) >= limit
    )


def asset_of(viewer: Viewer, asset_id: int) -> Asset | None:
    return _one(
        assets_for(viewer).select_related("customer__partner", "site", "product_line"), asset_id
    )


def asset_coverage_history(asset: Asset) -> list[ContractAsset]:
    """Every coverage the asset ever had, quotes and cancelled ones included, latest first."""
    return list(
        ContractAsset.objects.filter(asset=asset)
        .select_related("contract__offering")
        .order_by("-starts_on", "-pk")
    )


def assets_with_serial(viewer: Viewer, serial: str) -> list[Asset]:
    return list(
        assets_for(viewer)
        .filter(serial_number=normalise_serial(serial))
        .select_related("customer", "site", "product_line")
    )


# --- Serial numbers claimed by two partners (HP's arbitration) -------------------------------


@dataclass(frozen=True)
class AssetClaim:
    claim: Asset  # held for HP's decision
    holders: list[Asset]  # the confirmed registration(s) of its serial, with ``in_force``


def held_claims(*, on: date) -> list[AssetClaim]:
    """Every held registration, oldest first, with the current holders: three queries."""
    claims = list(
        Asset.objects.held()
        .select_related("customer__partner", "site", "product_line")
        .order_by("created_at", "pk")
    )
    if not claims:
        return []
    holders_by_serial: dict[tuple[str, str], list[Asset]] = defaultdict(list)
    for holder in (
        Asset.objects.confirmed()
        .filter(serial_number__in={c.serial_number for c in claims})
        .select_related("customer__partner", "site")
        .prefetch_related(in_force_prefetch(on))
        .order_by("pk")
    ):
        holders_by_serial[(holder.vendor, holder.serial_number)].append(holder)
    return [
        AssetClaim(claim=c, holders=holders_by_serial.get((c.vendor, c.serial_number), []))
        for c in claims
    ]


def recent_claim_decisions(*, limit: int = 20) -> list[Asset]:
    """The last registrations HP decided on (confirmed or rejected), newest first."""
    return list(
        Asset.objects.filter(registration_decided_at__isnull=False)
        .select_related("customer__partner", "registration_decided_by")
        .order_by("-registration_decided_at", "-pk")[:limit]
    )
