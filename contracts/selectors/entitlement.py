"""Entitlement: the coverage in force on an asset, as pages read it and as the API's hot path
reads it (one hand-written query, flat rows), and the coverage a new ticket is opened under.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.models.expressions import BaseExpression, Combinable

from contracts.models import Asset, Contract, ContractAsset, Customer, Offering, Site
from contracts.selectors.common import coverages_in_force
from contracts.serials import normalise_serial
from partners.models import ProductLine
from servicone import prepared
from servicone.presenters import is_english
from servicone.raw_rows import ModelColumns, read_row


def entitlements_for_serial(
    serial: str, *, partner_id: int | None, on: date
) -> list[ContractAsset]:
    """Active coverage of the asset(s) with this serial number: one query.

    ``partner_id`` scopes to one partner's customers (``None``: HP staff, every partner).
    Each coverage comes with its contract, offering and customer, and its asset with its site
    and product line: what the look-up pages show, read by no further query.
    """
    database = connections[router.db_for_read(ContractAsset) or DEFAULT_DB_ALIAS]
    # Serials are stored normalised (contracts.serials): match what people type.
    params = _params(normalise_serial(serial), partner_id, on)
    with database.cursor() as cursor:
        prepared.execute(cursor, "servicone_serial_coverages", _coverages_sql(), params)
        rows = cursor.fetchall()
    coverages = []
    for row in rows:
        (coverage, contract, offering, customer, asset, site, line), _rest = read_row(
            _coverage_parts(), row, database
        )
        contract.offering, contract.customer = offering, customer
        asset.site, asset.product_line = site, line
        coverage.contract, coverage.asset = contract, asset
        coverages.append(coverage)
    return coverages


@cache
def _coverage_parts() -> tuple[ModelColumns[Any], ...]:
    return tuple(
        ModelColumns(model)
        for model in (ContractAsset, Contract, Offering, Customer, Asset, Site, ProductLine)
    )


@cache
def _coverages_sql() -> str:
    """``coverages_in_force`` of the serial's assets, scoped, with their related rows.

    The ORM's version (the filters of ``coverages_in_force``, ``select_related`` of the five
    relations) took 3.2 ms on PostgreSQL, 1.1 ms of it planning the seven-table join and most
    of the rest compiling it; prepared once per kept connection (``servicone.prepared``), its
    plan is reused. ``tests/contracts/test_selectors.py`` checks it against the ORM query,
    state by state, instance by instance.
    """
    coverage, contract, offering, customer, asset, site, line = _coverage_parts()
    columns = ", ".join(
        part.select(alias)
        for part, alias in (
            (coverage, "ca"),
            (contract, "c"),
            (offering, "o"),
            (customer, "cu"),
            (asset, "a"),
            (site, "s"),
            (line, "pl"),
        )
    )
    # Table and column names come from the models, never from the request.
    return (
        f"SELECT {columns} "  # noqa: S608
        f"FROM {asset.table} a "
        f'INNER JOIN {coverage.table} ca ON ca."asset_id" = a."id" '
        f'INNER JOIN {contract.table} c ON c."id" = ca."contract_id" '
        f'INNER JOIN {offering.table} o ON o."id" = c."offering_id" '
        f'INNER JOIN {customer.table} cu ON cu."id" = c."customer_id" '
        f'INNER JOIN {site.table} s ON s."id" = a."site_id" '
        f'INNER JOIN {line.table} pl ON pl."id" = a."product_line_id" '
        f"WHERE {_IN_FORCE} "
        'ORDER BY o."kind", ca."ends_on", ca."contract_id", ca."asset_id"'
    )


def _params(serial: str, partner_id: int | None, on: date) -> list[str | int | date | None]:
    """The parameters of ``_IN_FORCE``, in its order."""
    return [serial, on, on, Contract.Status.ACTIVE.value, partner_id, partner_id]


# The filters of ``coverages_in_force`` for one serial number, within a partner's scope
# (NULL: every partner's), over the aliases a (asset), ca (coverage) and c (contract). A
# prepared statement's parameters need a type PostgreSQL can infer: the partner's, tested
# for NULL on its own, is cast.
_IN_FORCE = (
    'a."serial_number" = %s '
    'AND ca."is_active" AND ca."starts_on" <= %s AND ca."ends_on" >= %s '
    'AND c."status" = %s '
    'AND (CAST(%s AS bigint) IS NULL OR c."partner_id" = %s)'
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


# The coverages in force of a serial number (``_IN_FORCE``), flat: compiling the ORM query
# (seven tables) cost more than running it, and on PostgreSQL planning a seven-table join cost
# ~1.5 ms, about ten times the execution. Here the serial number picks the assets
# (``asset_serial_idx``), their coverage in force comes through ``coverage_asset_active_idx``,
# and the four look-up tables (offering, customer, site, product line) are joined to those few
# rows in an outer query the planner does not merge with the inner one (MATERIALIZED), so that
# it plans two small joins instead of one large. On a kept PostgreSQL connection it is
# prepared once (``servicone.prepared``): planning took 0.5 ms of the look-up's 1 ms.
# ``tests/contracts/test_selectors.py`` checks it against the ORM query, state by state.
_ENTITLEMENTS_SQL_POSTGRESQL = f"""
WITH hit AS MATERIALIZED (
    SELECT ca."contract_id", ca."asset_id", ca."kind", ca."starts_on", ca."ends_on",
           c."number", c."delivery_mode", c."offering_id", c."customer_id",
           a."serial_number", a."vendor", a."product_line_id", a."site_id"
    FROM "contracts_asset" a
    INNER JOIN "contracts_contractasset" ca ON ca."asset_id" = a."id"
    INNER JOIN "contracts_contract" c ON c."id" = ca."contract_id"
    WHERE {_IN_FORCE}
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
"""  # noqa: S608 (a constant: the filters above)
# SQLite knows MATERIALIZED only from 3.35 (Django supports 3.31) and plans this well without.
_ENTITLEMENTS_SQL = _ENTITLEMENTS_SQL_POSTGRESQL.replace("AS MATERIALIZED (", "AS (", 1)


def entitlement_rows(serial: str, *, partner_id: int | None, on: date) -> list[Entitlement]:
    """``entitlements_for_serial`` as flat values, for the API's hot path: one query.

    The same rows in the same order; no model instances, no ORM query to compile.
    """
    params = _params(normalise_serial(serial), partner_id, on)
    sql = _ENTITLEMENTS_SQL_POSTGRESQL if connection.vendor == "postgresql" else _ENTITLEMENTS_SQL
    with connection.cursor() as cursor:
        prepared.execute(cursor, "servicone_entitlements", sql, params)  # as it is on SQLite
        rows = cursor.fetchall()
    return [Entitlement(*row) for row in rows]


def coverage_for_asset(
    asset_id: int, *, on: date, **facts: BaseExpression | Combinable
) -> ContractAsset | None:
    """The coverage a ticket on this asset is opened under (the best service level).

    ``facts``: annotations its caller reads with it, in the same query (opening a ticket
    reads the routing facts that depend on the coverage's partner this way).
    """
    rows = list(
        coverages_in_force(on)
        .filter(asset_id=asset_id, kind__in=["care_pack", "contract"])
        # Everything routing reads of them: opening a ticket runs no further query for it.
        .select_related("contract__offering__tier_to_deliver", "contract__partner__tier")
        .annotate(**facts)
    )
    return best_coverage(rows)


def best_coverage(coverages: list[ContractAsset]) -> ContractAsset | None:
    """The coverage a ticket is opened under when several are in force (a care pack and a
    contract): the fastest on site, then the fastest response; ``None`` for none."""
    if not coverages:
        return None
    return min(
        coverages,
        key=lambda c: (
            c.contract.offering.onsite_hours or 10_000,
            c.contract.offering.response_hours,
        ),
    )
