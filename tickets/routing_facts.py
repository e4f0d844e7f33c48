"""Reads for routing a call: what the routing rules (``tickets.routing``) need to know.

Opening a ticket reads the coverage with its routing facts (``opening_coverage``), then
``routing_facts`` adds the delivery policy in force; ``tickets.bulk_routing`` gathers the
same facts for many calls at once.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Exists, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from contracts.models import Asset, Contract, ContractAsset, Offering, OfferingKind
from contracts.selectors import best_coverage
from partners.models import Certification, Course, DeliveryPolicy, Engineer, Partner, Tier
from partners.selectors import certified_engineer_counts, policy_in_force
from servicone import prepared
from servicone.raw_rows import ModelColumns, read_row
from tickets import routing, sla_clock
from tickets.models import Organisation, Ticket


def _expert_rank() -> Coalesce:
    """The Expert tier's rank, or the highest rank when no tier is coded ``expert`` (SQL)."""
    expert = Tier.objects.filter(code="expert").values("rank")[:1]
    highest = Tier.objects.order_by("-rank").values("rank")[:1]
    return Coalesce(Subquery(expert), Subquery(highest), Value(0))


def policy_facts(
    *,
    asset: Asset,
    contract: Contract,
    offering: Offering,
    at: datetime,
    on: date,
    known: tuple[DeliveryPolicy | None, bool] | None = None,
) -> routing.PolicyFacts | None:
    """The partner's delivery policy in force at ``at`` read against this call (two
    queries, two more when it caps the load), or ``None`` when it has set none.

    ``known``: that policy (or ``None``) and whether it declines the asset's product line,
    read along with the coverage (``opening_coverage``): no query, but for the load caps.
    """
    if known is None:
        policy = policy_in_force(contract.partner_id, at=at, on=on)
        declines_line = policy is not None and asset.product_line_id in {
            line.pk for line in policy.product_lines_declined.all()
        }
    else:
        policy, declines_line = known
    if policy is None:
        return None
    site = asset.site
    staffed = sla_clock.Calendar(
        coverage=policy.staffed_coverage, timezone=site.timezone, region=site.region
    )
    open_tickets = certified = 0
    if policy.max_open_tickets_per_engineer is not None:
        open_tickets = (
            Ticket.objects.open()
            .filter(partner_id=contract.partner_id, delivered_by=Organisation.PARTNER)
            .count()
        )
        certified = certified_engineer_counts([contract.partner_id], on=on).get(
            contract.partner_id, 0
        )
    return routing.PolicyFacts(
        departments=frozenset(policy.departments),
        site_department=site.department,
        staffed_coverage=policy.staffed_coverage,
        contract_coverage=offering.coverage,
        opened_in_staffed_hours=sla_clock.is_open(staffed, at),
        next_staffed_opening=sla_clock.next_opening(staffed, at),
        hand_back_at_opening=policy.hand_back_at_opening,
        product_line_declined=declines_line,
        open_onsite_tickets=open_tickets,
        certified_engineers=certified,
        max_open_tickets_per_engineer=policy.max_open_tickets_per_engineer,
    )


_COVERAGE = ModelColumns(ContractAsset)
_CONTRACT = ModelColumns(Contract)
_OFFERING = ModelColumns(Offering)
_TIER_TO_DELIVER = ModelColumns(Tier)
_PARTNER = ModelColumns(Partner)
_PARTNER_TIER = ModelColumns(Tier)
_POLICY = ModelColumns(DeliveryPolicy)
_PARTS: tuple[ModelColumns[Any], ...] = (
    _COVERAGE,
    _CONTRACT,
    _OFFERING,
    _TIER_TO_DELIVER,
    _PARTNER,
    _PARTNER_TIER,
    _POLICY,
)


@functools.cache
def _opening_coverage_sql() -> str:
    """The coverages in force on an asset (``coverages_in_force``, care packs and contracts),
    each with its contract, offering, tier to deliver, partner and partner's tier, the
    partner's delivery policy in force (``partners.selectors.in_force``'s choice) and the
    routing facts: an active engineer of the partner certified on the product line, in force
    that day; the Expert tier's rank (``_expert_rank``); whether the policy declines the
    product line."""
    certification, engineer, course = (
        f'"{model._meta.db_table}"' for model in (Certification, Engineer, Course)
    )
    declined = cast(
        "models.ManyToManyField[Any, Any]", _POLICY.model._meta.get_field("product_lines_declined")
    )
    select = ", ".join(
        part.select(alias)
        for part, alias in zip(_PARTS, ("ca", "c", "o", "td", "p", "pt", "dp"), strict=True)
    )
    return f"""
SELECT {select},
    EXISTS (
        SELECT 1 FROM {certification} ce
        INNER JOIN {engineer} e ON e."id" = ce."engineer_id"
        INNER JOIN {course} co ON co."id" = ce."course_id"
        WHERE e."partner_id" = c."partner_id" AND e."is_active" AND co."product_line_id" = %s
          AND ce."passed_on" <= %s AND ce."expires_on" >= %s
    ),
    COALESCE(
        (SELECT t."rank" FROM {_PARTNER_TIER.table} t WHERE t."code" = %s ORDER BY t."rank" LIMIT 1),
        (SELECT t."rank" FROM {_PARTNER_TIER.table} t ORDER BY t."rank" DESC LIMIT 1),
        0
    ),
    EXISTS (
        SELECT 1 FROM "{declined.m2m_db_table()}" pd
        WHERE pd."{declined.m2m_column_name()}" = dp."id"
          AND pd."{declined.m2m_reverse_name()}" = %s
    )
FROM {_COVERAGE.table} ca
INNER JOIN {_CONTRACT.table} c ON c."id" = ca."contract_id"
INNER JOIN {_OFFERING.table} o ON o."id" = c."offering_id"
INNER JOIN {_TIER_TO_DELIVER.table} td ON td."id" = o."tier_to_deliver_id"
INNER JOIN {_PARTNER.table} p ON p."id" = c."partner_id"
LEFT OUTER JOIN {_PARTNER_TIER.table} pt ON pt."id" = p."tier_id"
LEFT OUTER JOIN {_POLICY.table} dp ON dp."id" = (
    SELECT v."id" FROM {_POLICY.table} v
    WHERE v."partner_id" = c."partner_id" AND v."effective_from" <= %s AND v."created_at" <= %s
    ORDER BY v."effective_from" DESC, v."created_at" DESC, v."id" DESC LIMIT 1
)
WHERE ca."asset_id" = %s AND ca."is_active" AND ca."starts_on" <= %s AND ca."ends_on" >= %s
  AND c."status" = %s AND ca."kind" IN (%s, %s)
ORDER BY ca."id"
"""  # noqa: S608 - tables and columns from the models, values as parameters


def opening_coverage(asset: Asset, *, on: date, at: datetime | None = None) -> ContractAsset | None:
    """The coverage a ticket on ``asset`` is opened under on the site's day ``on`` (the fastest
    on-site, as ``contracts.selectors.coverage_for_asset`` chooses), with everything routing
    reads of it: its contract's offering and tier to deliver, partner and tier, and the facts
    ``routing_facts`` takes from it (``routing_certified``, ``routing_expert_rank``, and
    ``routing_policy``: the partner's delivery policy in force at ``at``, now by default, with
    whether it declines the asset's product line).

    One hand-written statement: the ORM's version (``select_related`` over five relations and
    two sub-queries) took longer to compile than PostgreSQL took to run it (issue 14).
    ``tests/tickets/test_routing_facts.py`` holds it to the ORM's reading.
    """
    database = connections[DEFAULT_DB_ALIAS]
    params: list[Any] = [
        asset.product_line_id,
        on,
        on,
        "expert",
        asset.product_line_id,
        on,
        database.ops.adapt_datetimefield_value(at or timezone.now()),
        asset.pk,
        on,
        on,
        Contract.Status.ACTIVE.value,
        OfferingKind.CARE_PACK.value,
        OfferingKind.CONTRACT.value,
    ]
    with database.cursor() as cursor:
        prepared.execute(cursor, "servicone_opening_coverage", _opening_coverage_sql(), params)
        rows = cursor.fetchall()
    return best_coverage([_coverage_of(row, database) for row in rows])


def _coverage_of(row: tuple[Any, ...], database: BaseDatabaseWrapper) -> ContractAsset:
    parts, (certified, expert_rank, declines_line) = read_row(_PARTS, row, database)
    coverage, contract, offering, tier_to_deliver, partner, partner_tier, policy = parts
    offering.tier_to_deliver = tier_to_deliver
    partner.tier = partner_tier
    contract.offering = offering
    contract.partner = partner
    coverage.contract = contract
    coverage.routing_certified = bool(certified)
    coverage.routing_expert_rank = int(expert_rank)
    coverage.routing_policy = (policy, policy is not None and bool(declines_line))
    return cast(ContractAsset, coverage)


def routing_facts(
    *,
    asset: Asset,
    contract: Contract,
    offering: Offering,
    on: date,
    at: datetime | None = None,
    coverage: ContractAsset | None = None,
) -> routing.RoutingInput:
    """What the routing rules need to know about this call, read on the site's day ``on``
    (opened at ``at``: the delivery policy in force then, now by default).

    ``coverage`` read by ``opening_coverage`` spares the query for the certification and the
    Expert rank.
    """
    partner = contract.partner
    certified: bool
    expert_rank: int
    if hasattr(coverage, "routing_certified"):  # read with it: no query
        certified = getattr(coverage, "routing_certified")  # noqa: B009 (an annotation)
        expert_rank = getattr(coverage, "routing_expert_rank")  # noqa: B009 (an annotation)
    else:
        certifications = Certification.objects.filter(
            engineer__partner=partner,
            engineer__is_active=True,
            course__product_line=asset.product_line,
            passed_on__lte=on,
            expires_on__gte=on,
        )
        # The two facts not in hand, in one query: a certified engineer, the Expert rank.
        certified, expert_rank = (
            Partner.objects.filter(pk=partner.pk)
            .annotate(certified=Exists(certifications), expert_rank=_expert_rank())
            .values_list("certified", "expert_rank")
            .get()
        )
    return routing.RoutingInput(
        delivery_mode=contract.delivery_mode,
        vendor=asset.vendor,
        product_line_code=asset.product_line.code,
        product_line_name=asset.product_line.name,
        product_line_is_complex=asset.product_line.is_complex or not asset.product_line.is_hp,
        partner_tier_rank=partner.tier.rank if partner.tier else -1,
        partner_tier_name=partner.tier.name if partner.tier else "",
        tier_to_deliver_rank=offering.tier_to_deliver.rank,
        tier_to_deliver_name=offering.tier_to_deliver.name,
        expert_rank=expert_rank,
        certified_on_line=certified,
        product_line_name_en=asset.product_line.name_en,
        partner_tier_name_en=partner.tier.name_en if partner.tier else "",
        tier_to_deliver_name_en=offering.tier_to_deliver.name_en,
        policy=policy_facts(
            asset=asset,
            contract=contract,
            offering=offering,
            at=at or timezone.now(),
            on=on,
            known=getattr(coverage, "routing_policy", None),
        ),
    )


def credits_contract_for(asset: Asset, on: date) -> Contract | None:
    """The customer's Proactive Select contract a preventive visit draws on (ending first)."""
    contract: Contract | None = (
        Contract.objects.in_force_on(on)
        .filter(
            customer=asset.customer,
            offering__kind=OfferingKind.PROACTIVE_CREDITS,
            credits_balance__gt=0,
        )
        .select_related("offering__tier_to_deliver")
        .order_by("ends_on")
        .first()
    )
    return contract
