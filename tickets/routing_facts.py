"""Reads for routing a call: what the routing rules (``tickets.routing``) need to know.

Opening a ticket reads the coverage with ``opening_facts`` annotated, then
``routing_facts`` adds the delivery policy in force; ``tickets.bulk_routing`` gathers the
same facts for many calls at once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from contracts.models import Asset, Contract, ContractAsset, Offering, OfferingKind
from partners.models import Certification, Partner, Tier
from partners.selectors import certified_engineer_counts, policy_in_force
from tickets import routing, sla_clock
from tickets.models import Organisation, Ticket


def _expert_rank() -> Coalesce:
    """The Expert tier's rank, or the highest rank when no tier is coded ``expert`` (SQL)."""
    expert = Tier.objects.filter(code="expert").values("rank")[:1]
    highest = Tier.objects.order_by("-rank").values("rank")[:1]
    return Coalesce(Subquery(expert), Subquery(highest), Value(0))


def policy_facts(
    *, asset: Asset, contract: Contract, offering: Offering, at: datetime, on: date
) -> routing.PolicyFacts | None:
    """The partner's delivery policy in force at ``at`` read against this call (two
    queries, two more when it caps the load), or ``None`` when it has set none."""
    policy = policy_in_force(contract.partner_id, at=at, on=on)
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
    declined = {line.pk for line in policy.product_lines_declined.all()}
    return routing.PolicyFacts(
        departments=frozenset(policy.departments),
        site_department=site.department,
        staffed_coverage=policy.staffed_coverage,
        contract_coverage=offering.coverage,
        opened_in_staffed_hours=sla_clock.is_open(staffed, at),
        next_staffed_opening=sla_clock.next_opening(staffed, at),
        hand_back_at_opening=policy.hand_back_at_opening,
        product_line_declined=asset.product_line_id in declined,
        open_onsite_tickets=open_tickets,
        certified_engineers=certified,
        max_open_tickets_per_engineer=policy.max_open_tickets_per_engineer,
    )


def opening_facts(asset: Asset, *, on: date) -> dict[str, Any]:
    """What routing reads beyond the rows in hand, as annotations on the coverage query
    (``coverage_for_asset(..., **opening_facts(...))``): opening runs no query for them.

    ``certified``: an active engineer of the coverage's partner holds a certification on the
    asset's product line in force on ``on``; ``expert_rank``: the Expert tier's rank.
    """
    certifications = Certification.objects.filter(
        engineer__partner=OuterRef("contract__partner"),
        engineer__is_active=True,
        course__product_line=asset.product_line_id,
        passed_on__lte=on,
        expires_on__gte=on,
    )
    return {"routing_certified": Exists(certifications), "routing_expert_rank": _expert_rank()}


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

    ``coverage`` read with ``opening_facts`` spares the query for the certification and the
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
            asset=asset, contract=contract, offering=offering, at=at or timezone.now(), on=on
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
