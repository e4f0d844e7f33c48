"""Reads about contracts: what a viewer may see, the pages' lists, entitlement, revenue.

Tenancy first: every read of a page starts from the rows its viewer may see, its own
partner's for a partner's member, every partner's for HP staff (``viewer.partner_id is
None``). Lists are querysets the views paginate; their query count does not grow with
the page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from contracts.models import (
    Asset,
    Contract,
    ContractAsset,
    CreditEntry,
    Customer,
    Offering,
    OfferingKind,
    Site,
)
from contracts.serials import normalise_serial
from partners.models import Partner, ProductLine
from servicone.access import Viewer
from servicone.presenters import is_english

M = TypeVar("M", bound=models.Model)

# Renewal reminders go out this many days before a contract ends (each once); the first
# of them is the horizon of "ending soon" on the pages.
RENEWAL_REMINDER_DAYS = (90, 60, 30)
ENDING_SOON_DAYS = max(RENEWAL_REMINDER_DAYS)


def _one(rows: QuerySet[M], pk: int) -> M | None:
    try:
        return rows.get(pk=pk)
    except ObjectDoesNotExist:
        return None


# --- What a viewer may see ---------------------------------------------------------------


def customers_for(viewer: Viewer) -> QuerySet[Customer]:
    rows = Customer.objects.all()
    return rows if viewer.partner_id is None else rows.filter(partner_id=viewer.partner_id)


def assets_for(viewer: Viewer) -> QuerySet[Asset]:
    rows = Asset.objects.all()
    if viewer.partner_id is None:
        return rows
    return rows.filter(customer__partner_id=viewer.partner_id)


def contracts_for(viewer: Viewer) -> QuerySet[Contract]:
    rows = Contract.objects.all()
    return rows if viewer.partner_id is None else rows.filter(partner_id=viewer.partner_id)


def partner_with_tier(partner_id: int) -> Partner:
    """The partner and its tier read fresh: the tier decides what may be sold."""
    return Partner.objects.select_related("tier").get(pk=partner_id)


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
    # Serials are stored normalised (contracts.serials): match what people type.
    rows = coverages_in_force(on).filter(asset__serial_number=normalise_serial(serial))
    if partner_id is not None:
        rows = rows.filter(contract__partner_id=partner_id)
    return list(
        rows.select_related(
            "contract__offering", "contract__customer", "asset__site", "asset__product_line"
        ).order_by("contract__offering__kind", "ends_on")
    )


@dataclass(frozen=True, slots=True)
class Entitlement:
    """One coverage in force on an asset, flat: what the entitlement API answers."""

    contract_id: int
    contract_number: str
    delivery_mode: str
    offering_id: int
    offering_code: str
    offering_name_fr: str
    offering_name_en: str
    coverage: str
    response_hours: int
    onsite_hours: int | None
    onsite_next_business_day: bool
    resolution_hours: int | None
    kind: str
    starts_on: date
    ends_on: date
    asset_id: int
    serial_number: str
    vendor: str
    product_line: str
    customer_id: int
    customer_name: str
    site_id: int
    site_name: str
    site_address: str
    site_postal_code: str
    site_city: str
    site_region: str
    site_timezone: str

    @property
    def offering_name(self) -> str:
        # The rule of Offering.display_name.
        if is_english() and self.offering_name_en:
            return self.offering_name_en
        return self.offering_name_fr


# The filters of ``coverages_in_force`` and ``entitlements_for_serial``, written out once:
# compiling the ORM query (seven tables) cost more than running it, and on PostgreSQL
# planning a seven-table join cost ~1.5 ms, about ten times the execution. Here the serial
# number picks the assets (``asset_serial_idx``), their coverage in force comes through
# ``coverage_asset_active_idx``, and the four look-up tables (offering, customer, site,
# product line) are joined to those few rows in an outer query the planner does not merge
# with the inner one (MATERIALIZED), so that it plans two small joins instead of one large.
# ``tests/contracts/test_selectors.py`` checks it against the ORM version, state by state.
_ENTITLEMENTS_SQL_POSTGRESQL = """
WITH hit AS MATERIALIZED (
    SELECT ca."contract_id", ca."asset_id", ca."kind", ca."starts_on", ca."ends_on",
           c."number", c."delivery_mode", c."offering_id", c."customer_id",
           a."serial_number", a."vendor", a."product_line_id", a."site_id"
    FROM "contracts_asset" a
    INNER JOIN "contracts_contractasset" ca ON ca."asset_id" = a."id"
    INNER JOIN "contracts_contract" c ON c."id" = ca."contract_id"
    WHERE a."serial_number" = %s
      AND ca."is_active" AND ca."starts_on" <= %s AND ca."ends_on" >= %s
      AND c."status" = %s
      AND (%s IS NULL OR c."partner_id" = %s)
)
SELECT hit."contract_id", hit."number", hit."delivery_mode",
       o."id", o."code", o."name", o."name_en", o."coverage", o."response_hours",
       o."onsite_hours", o."onsite_next_business_day", o."resolution_hours",
       hit."kind", hit."starts_on", hit."ends_on",
       hit."asset_id", hit."serial_number", hit."vendor", pl."code",
       cu."id", cu."name",
       s."id", s."name", s."address", s."postal_code", s."city", s."region", s."timezone"
FROM hit
INNER JOIN "contracts_offering" o ON o."id" = hit."offering_id"
INNER JOIN "contracts_customer" cu ON cu."id" = hit."customer_id"
INNER JOIN "contracts_site" s ON s."id" = hit."site_id"
INNER JOIN "partners_productline" pl ON pl."id" = hit."product_line_id"
ORDER BY o."kind", hit."ends_on", hit."contract_id", hit."asset_id"
"""
# SQLite knows MATERIALIZED only from 3.35 (Django supports 3.31) and plans this well without.
_ENTITLEMENTS_SQL = _ENTITLEMENTS_SQL_POSTGRESQL.replace("AS MATERIALIZED (", "AS (", 1)


def entitlement_rows(serial: str, *, partner_id: int | None, on: date) -> list[Entitlement]:
    """``entitlements_for_serial`` as flat values, for the API's hot path: one query.

    The same rows in the same order; no model instances, no ORM query to compile.
    """
    params: list[str | int | date | None] = [
        normalise_serial(serial),
        on,
        on,
        Contract.Status.ACTIVE.value,
        partner_id,
        partner_id,
    ]
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(_ENTITLEMENTS_SQL_POSTGRESQL if postgresql else _ENTITLEMENTS_SQL, params)
        rows = cursor.fetchall()
    return [Entitlement(*row) for row in rows]


def coverage_for_asset(asset_id: int, *, on: date) -> ContractAsset | None:
    """The coverage a ticket on this asset is opened under (the best service level)."""
    rows = list(
        coverages_in_force(on)
        .filter(asset_id=asset_id, kind__in=["care_pack", "contract"])
        # Everything routing reads of them: opening a ticket runs no further query for it.
        .select_related("contract__offering__tier_to_deliver", "contract__partner__tier")
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


def catalogue_for(partner: Partner | None) -> list[CatalogueLine]:
    """Every active offering with what ``partner``'s tier allows (two queries)."""
    rank = partner.tier.rank if partner is not None and partner.tier is not None else -1
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


def catalogue_lines(
    partner: Partner | None, *, kind: str = "", line_code: str = ""
) -> list[CatalogueLine]:
    """``catalogue_for`` narrowed to one kind of offering and one product line (codes)."""
    lines = catalogue_for(partner)
    if kind:
        lines = [c for c in lines if c.offering.kind == kind]
    if line_code:
        lines = [
            c for c in lines if any(p.code == line_code for p in c.offering.product_lines.all())
        ]
    return lines


def product_lines() -> list[ProductLine]:
    return list(ProductLine.objects.order_by("name"))


def offering_on_catalogue(code: str) -> Offering | None:
    try:
        return (
            Offering.objects.active()
            .select_related("tier_to_sell", "tier_to_deliver")
            .get(code=code)
        )
    except Offering.DoesNotExist:
        return None


# --- Customers, their sites and assets ----------------------------------------------------


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


def in_force_prefetch(
    on: date, *, to_attr: str = "in_force"
) -> Prefetch[str, QuerySet[ContractAsset], str]:
    """Each asset's coverage in force on ``on`` as ``asset.<to_attr>``, soonest end first."""
    return Prefetch(
        "coverages",
        queryset=coverages_in_force(on)
        .select_related("contract__offering")
        .order_by("ends_on", "pk"),
        to_attr=to_attr,
    )


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


# --- Contracts -----------------------------------------------------------------------------


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
