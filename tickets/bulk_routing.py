"""Routing many calls at once: the facts of ``tickets.routing_facts.routing_facts`` gathered
set-wise, a fixed number of queries whatever the number of calls (the benchmark
``bench/routing.py`` routes 10,000 this way).

Each call reads the delivery policy in force at its own opening (``partners.selectors.
in_force`` over every version of the partners concerned, read once); certifications are
read once for the partners and product lines concerned and judged on each call's day. The
load (open tickets the partner delivers) is read once, as it stands: a batch routed at once
does not see its own tickets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db.models import Count

from contracts.models import Asset, Contract, Offering
from partners.models import Certification, Tier
from partners.selectors import in_force, policy_versions
from tickets import routing, sla_clock
from tickets.models import Organisation, Ticket


@dataclass(frozen=True)
class Call:
    """A call to route: its asset (site and product line joined), contract (partner and
    its tier joined), the offering routed on (its tier to deliver joined), when."""

    asset: Asset
    contract: Contract
    offering: Offering
    at: datetime


@lru_cache(maxsize=1024)
def _calendar(coverage: str, zone: str, region: str) -> sla_clock.Calendar:
    return sla_clock.Calendar(coverage=coverage, timezone=zone, region=region)


def _expert_rank() -> int:
    ranks = list(Tier.objects.order_by("-rank").values_list("code", "rank"))
    return next((rank for code, rank in ranks if code == "expert"), ranks[0][1] if ranks else 0)


def routing_inputs(calls: Sequence[Call]) -> list[routing.RoutingInput]:
    """The routing facts of every call (five queries, whatever their number)."""
    partner_ids = {call.contract.partner_id for call in calls}
    versions = policy_versions(partner_ids)
    # (engineer, partner, line, passed, expires) of the partners' active engineers.
    held = list(
        Certification.objects.filter(
            engineer__partner_id__in=partner_ids, engineer__is_active=True
        ).values_list(
            "engineer_id",
            "engineer__partner_id",
            "course__product_line_id",
            "passed_on",
            "expires_on",
        )
    )
    by_partner: dict[int, list[tuple[int, int, date, date]]] = defaultdict(list)
    for engineer_id, partner_id, line_id, passed_on, expires_on in held:
        by_partner[partner_id].append((engineer_id, line_id, passed_on, expires_on))
    open_load = dict(
        Ticket.objects.open()
        .filter(partner_id__in=partner_ids, delivered_by=Organisation.PARTNER)
        .order_by()
        .values_list("partner_id")
        .annotate(n=Count("id"))
    )
    expert_rank = _expert_rank()
    inputs = []
    for call in calls:
        asset, contract, offering = call.asset, call.contract, call.offering
        site = asset.site
        on = call.at.astimezone(ZoneInfo(site.timezone)).date()
        valid = [
            (engineer_id, line_id)
            for engineer_id, line_id, passed_on, expires_on in by_partner[contract.partner_id]
            if passed_on <= on <= expires_on
        ]
        certified = any(line_id == asset.product_line_id for _e, line_id in valid)
        tier = contract.partner.tier
        policy = in_force(versions.get(contract.partner_id, []), at=call.at, on=on)
        facts = None
        if policy is not None:
            staffed = _calendar(policy.staffed_coverage, site.timezone, site.region)
            facts = routing.PolicyFacts(
                departments=frozenset(policy.departments),
                site_department=site.department,
                staffed_coverage=policy.staffed_coverage,
                contract_coverage=offering.coverage,
                opened_in_staffed_hours=sla_clock.is_open(staffed, call.at),
                next_staffed_opening=sla_clock.next_opening(staffed, call.at),
                hand_back_at_opening=policy.hand_back_at_opening,
                product_line_declined=any(
                    line.pk == asset.product_line_id for line in policy.product_lines_declined.all()
                ),
                open_onsite_tickets=open_load.get(contract.partner_id, 0),
                certified_engineers=len({engineer_id for engineer_id, _line in valid}),
                max_open_tickets_per_engineer=policy.max_open_tickets_per_engineer,
            )
        inputs.append(
            routing.RoutingInput(
                delivery_mode=contract.delivery_mode,
                vendor=asset.vendor,
                product_line_code=asset.product_line.code,
                product_line_name=asset.product_line.name,
                product_line_is_complex=asset.product_line.is_complex
                or not asset.product_line.is_hp,
                partner_tier_rank=tier.rank if tier else -1,
                partner_tier_name=tier.name if tier else "",
                tier_to_deliver_rank=offering.tier_to_deliver.rank,
                tier_to_deliver_name=offering.tier_to_deliver.name,
                expert_rank=expert_rank,
                certified_on_line=certified,
                product_line_name_en=asset.product_line.name_en,
                partner_tier_name_en=tier.name_en if tier else "",
                tier_to_deliver_name_en=offering.tier_to_deliver.name_en,
                policy=facts,
            )
        )
    return inputs
