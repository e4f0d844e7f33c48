"""Contracts: the list and a contract's page (renewal chain, coverages, credit ledger), the
renewals falling due, and the sales booked as revenue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from contracts.models import Contract, ContractAsset, CreditEntry, Customer, OfferingKind
from contracts.selectors.common import _one, contracts_for, customers_for
from servicone.access import Viewer

# Renewal reminders go out this many days before a contract ends (each once); the first
# of them is the horizon of "ending soon" on the pages.
RENEWAL_REMINDER_DAYS = (90, 60, 30)
ENDING_SOON_DAYS = max(RENEWAL_REMINDER_DAYS)


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
        assert booked_on is not None  # booked_on__gte leaves out the rows without one
        result[partner_id].append((price, booked_on))
    return result


def customer_choices(viewer: Viewer) -> list[tuple[int, str]] | None:
    """A partner's customers as (id, name) for a filter; ``None`` for HP staff (too many)."""
    if viewer.partner_id is None:
        return None
    return list(customers_for(viewer).order_by("name", "pk").values_list("pk", "name"))


def contracts_listed(
    viewer: Viewer,
    *,
    on: date,
    status: str = "",
    customer_id: int | None = None,
    kind: str = "",
    search: str = "",
    ending: bool = False,
) -> QuerySet[Contract]:
    """The contract list: newest first, or, for ``ending``, active ones ending within
    ``ENDING_SOON_DAYS`` soonest first; each with its ``asset_count``.
    """
    rows = contracts_for(viewer).select_related("customer", "offering", "partner")
    if status:
        rows = rows.filter(status=status)
    if customer_id:
        rows = rows.filter(customer_id=customer_id)
    if kind:
        rows = rows.filter(offering__kind=kind)
    if search:
        rows = rows.filter(Q(number__icontains=search) | Q(customer__name__icontains=search))
    if ending:
        rows = rows.filter(
            status=Contract.Status.ACTIVE,
            ends_on__gte=on,
            ends_on__lte=on + timedelta(days=ENDING_SOON_DAYS),
        ).order_by("ends_on", "pk")
    else:
        rows = rows.order_by("-created_at", "-pk")
    return rows.annotate(asset_count=Count("coverages"))


def contract_of(viewer: Viewer, contract_id: int) -> Contract | None:
    """One contract the viewer may see, with what its page shows, or ``None``."""
    return _one(
        contracts_for(viewer).select_related(
            "customer",
            "partner__tier",
            "offering__tier_to_sell",
            "offering__tier_to_deliver",
            "sold_by",
        ),
        contract_id,
    )


_CHAIN_FIELDS = ("pk", "number", "status", "starts_on", "ends_on", "renewed_from_id")
_CHAIN_MAX = 50  # a bounded walk, whatever the data says


def renewal_chain(contract: Contract) -> list[Contract]:
    """The contracts this one renews and those renewing it, oldest first; ``[]`` alone."""
    before: list[Contract] = []
    current = contract
    for _step in range(_CHAIN_MAX):
        if current.renewed_from_id is None:
            break
        current = Contract.objects.only(*_CHAIN_FIELDS).get(pk=current.renewed_from_id)
        before.append(current)
    after: list[Contract] = []
    current = contract
    for _step in range(_CHAIN_MAX):
        following = Contract.objects.filter(renewed_from=current).only(*_CHAIN_FIELDS).first()
        if following is None:
            break
        after.append(following)
        current = following
    return [*reversed(before), contract, *after] if (before or after) else []


def contract_coverages(contract: Contract) -> list[ContractAsset]:
    return list(
        ContractAsset.objects.filter(contract=contract)
        .select_related("asset__site", "asset__product_line")
        .order_by("asset__serial_number", "pk")
    )


def credit_ledger(contract: Contract) -> list[CreditEntry]:
    """The Proactive Select ledger, oldest first; other offerings have none (no query)."""
    if contract.offering.kind != OfferingKind.PROACTIVE_CREDITS:
        return []
    return list(
        CreditEntry.objects.filter(contract=contract).select_related("actor").order_by("at", "pk")
    )


def recent_contracts(customer: Customer, *, limit: int = 10) -> list[Contract]:
    return list(
        Contract.objects.filter(customer=customer)
        .select_related("offering")
        .order_by("-created_at", "-pk")[:limit]
    )


def renewal_due(on: date) -> QuerySet[Contract]:
    """Active contracts ending within the first reminder's horizon and not yet renewed."""
    return Contract.objects.filter(
        status=Contract.Status.ACTIVE,
        ends_on__gte=on,
        ends_on__lte=on + timedelta(days=ENDING_SOON_DAYS),
        renewal__isnull=True,
    )


def contracts_ending_soon(
    partner_id: int, *, on: date, limit: int = 5
) -> tuple[list[Contract], int]:
    """The partner's first ``limit`` contracts due for renewal, soonest first, and how many."""
    rows = renewal_due(on).filter(partner_id=partner_id)
    contracts = list(rows.select_related("customer", "offering").order_by("ends_on", "pk")[:limit])
    total = len(contracts) if len(contracts) < limit else rows.count()
    return contracts, total
