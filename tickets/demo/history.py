"""The demo's year of tickets, closed before this week: planned in memory, written set-wise.

Thousands of tickets through the services would take minutes; these are computed with
the same pure parts instead (the SLA clock and its deadlines, the routing rules) and
inserted with a handful of bulk writes, like the benchmarks do. Each ticket is whole:
its targets (met, or breached when its event came after the deadline), the SLA events
that fired (warnings and breaches, once each), escalations and CDS backup after a
breach, hand-overs and fall-backs to CDS with their ownership segments, and the
timeline a user reads on the ticket page.

Outcomes are believable: each partner keeps its commitments 88 to 98 % of the time
(Ovesys about 95 %, CDS about 96 %); tickets open mostly on working days, in office
hours; equipment of partners that only sell is rarer in the demo (HP delivers it).
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contracts.models import ContractAsset, Offering, OfferingKind, Site
from tickets import routing, sla, sla_clock
from tickets.demo.data import (
    FALLBACK_SHARE,
    HANDOVER_REASONS,
    HANDOVER_SHARE,
    MONTHLY_RATE,
    REPORTS,
    SELLERS_RATE_FACTOR,
    SUMMARIES,
)
from tickets.models import (
    Kind,
    Organisation,
    SegmentReason,
    SlaEventKind,
    SlaState,
    SlaTargetKind,
    Status,
    Ticket,
    TicketEventKind,
)

SEVERITIES = (1, 2, 2, 3, 3, 3, 4)
SYSTEM = "system"
# The sweep fires an event a few seconds after it fell due.
SWEEP_DELAY = timedelta(seconds=20)
# Partner tickets nobody took: CDS takes the call within minutes of the fall-back.
CDS_QUALITY = 0.96


@dataclass(frozen=True, slots=True)
class Covered:
    """An asset under an active contract, with who delivers its tickets and why."""

    asset_id: int
    customer_id: int
    partner_id: int
    contract_id: int
    line: str
    covered_from: date
    covered_to: date
    site: Site
    offering: Offering
    decision: routing.RoutingDecision
    partner_delivers: bool  # the partner's tier may deliver (not a seller's customer)


@dataclass(frozen=True, slots=True)
class People:
    """Who acts on a partner's tickets (user ids), and its engineers (id, name, user id)."""

    opener: int | None
    worker: int | None
    engineers: tuple[tuple[int, str, int | None], ...]


@dataclass(frozen=True, slots=True)
class CdsPeople:
    dispatcher: int | None
    engineer: int | None
    engineer_name: str


@dataclass
class PlannedTicket:
    covered: Covered
    severity: int
    kind: str
    summary: str
    opened_at: datetime
    fields: dict[str, Any]
    targets: list[dict[str, Any]] = field(default_factory=list)
    sla_events: list[tuple[str, str, datetime | None, datetime]] = field(default_factory=list)
    events: list[tuple[datetime, str, int | None, str, dict[str, Any]]] = field(
        default_factory=list
    )
    segments: list[tuple[str, int | None, datetime, datetime | None, str]] = field(
        default_factory=list
    )


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth): how many tickets an asset had over its covered months."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _opening(rng: random.Random, covered: Covered, first: date, last: date) -> datetime:
    """When a call came in: mostly on working days, in office hours, the site's time."""
    zone = ZoneInfo(covered.site.timezone)
    span = (last - first).days
    day = first + timedelta(days=rng.randint(0, span))
    for _ in range(4):
        if day.weekday() < 5 or rng.random() < 0.15:
            break
        day = first + timedelta(days=rng.randint(0, span))
    if covered.offering.coverage == "24x7" and rng.random() < 0.2:
        clock = time(rng.randint(0, 23), rng.randint(0, 59))
    else:
        clock = time(rng.randint(8, 17), rng.randint(0, 59))
    return datetime.combine(day, clock, tzinfo=zone)


def _when(
    rng: random.Random,
    cal: sla_clock.Calendar,
    opened: datetime,
    hours: float,
    due: datetime,
    *,
    late: bool,
) -> datetime:
    """When a timed target's event happened: within the window, near its end, or late."""
    if late:
        return due + timedelta(minutes=rng.randint(10, 180))
    share = rng.uniform(0.8, 0.97) if rng.random() < 0.12 else rng.uniform(0.1, 0.75)
    at = sla_clock.add_business_minutes(cal, opened, max(1, int(hours * 60 * share)))
    return at or due


class Year:
    """Plans the tickets of every covered asset over the year, from one seeded generator."""

    def __init__(
        self,
        rng: random.Random,
        first: date,
        last: date,
        quality: dict[int, float],
        people: dict[int, People],
        cds: CdsPeople,
    ) -> None:
        self.rng = rng
        self.first = first
        self.last = last
        self.quality = quality
        self.people = people
        self.cds = cds

    def tickets(self, assets: list[Covered]) -> list[PlannedTicket]:
        planned = []
        for covered in assets:
            first = max(self.first, covered.covered_from)
            last = min(self.last, covered.covered_to)
            if last <= first:
                continue
            rate = MONTHLY_RATE[covered.line] * (
                1.0 if covered.partner_delivers else SELLERS_RATE_FACTOR
            )
            for _ in range(_poisson(self.rng, rate * (last - first).days / 30.4)):
                planned.append(self.ticket(covered, _opening(self.rng, covered, first, last)))
        planned.sort(key=lambda p: p.opened_at)
        return planned

    def _late(self, organisation: str, partner_id: int, target: str) -> bool:
        quality = CDS_QUALITY if organisation == Organisation.CDS else self.quality[partner_id]
        # Taking the call is the easiest commitment to keep; repairing, the hardest.
        miss = (1 - quality) * {"response": 0.5, "onsite": 1.1, "resolution": 1.3}[target]
        return self.rng.random() < miss

    def ticket(self, covered: Covered, opened_at: datetime) -> PlannedTicket:
        rng = self.rng
        severity = rng.choice(SEVERITIES)
        summary = rng.choice(SUMMARIES[covered.line])
        probe = Ticket(
            offering=covered.offering, site=covered.site, severity=severity, opened_at=opened_at
        )
        targets = {spec.target: (spec, due, warn) for spec, due, warn in sla.planned_targets(probe)}
        cal = sla.calendar_for(probe)
        decision = covered.decision
        delivered = decision.delivered_by
        people = self.people.get(covered.partner_id, People(None, None, ()))
        plan = PlannedTicket(covered, severity, Kind.INCIDENT, summary, opened_at, {})
        plan.events.append(
            (
                opened_at,
                TicketEventKind.OPENED,
                people.opener,
                Organisation.PARTNER,
                {"severity": severity, "kind": Kind.INCIDENT, "summary": summary},
            )
        )
        plan.events.append(
            (
                opened_at,
                TicketEventKind.ROUTED,
                None,
                SYSTEM,
                {
                    "delivered_by": delivered,
                    "reason": decision.reason,
                    "messages": decision.messages,
                },
            )
        )
        response_spec, response_due, _warn = targets[SlaTargetKind.RESPONSE]
        assert response_due is not None  # an hours target always has a deadline
        partner_side = delivered == Organisation.PARTNER
        ownership_due = response_due if partner_side else None
        moved_at: datetime | None = None
        moved_reason = ""
        fall_back = partner_side and rng.random() < FALLBACK_SHARE
        if fall_back:
            # Nobody took the call within the ownership window: CDS takes it.
            moved_at, moved_reason = response_due, SegmentReason.FALLBACK
            delivered = Organisation.CDS
            plan.events.append(
                (
                    moved_at,
                    TicketEventKind.FELL_BACK,
                    None,
                    SYSTEM,
                    {"ownership_due_at": response_due.isoformat()},
                )
            )
            acknowledged_at = moved_at + timedelta(minutes=rng.randint(5, 45))
        else:
            acknowledged_at = _when(
                rng,
                cal,
                opened_at,
                float(response_spec.hours or 0),
                response_due,
                late=self._late(delivered, covered.partner_id, "response"),
            )
        worker = self.cds.dispatcher if delivered == Organisation.CDS else people.worker
        acknowledged_by = worker
        plan.events.append((acknowledged_at, TicketEventKind.ACKNOWLEDGED, worker, delivered, {}))
        step = acknowledged_at
        if delivered == Organisation.PARTNER and rng.random() < HANDOVER_SHARE:
            moved_at = acknowledged_at + timedelta(minutes=rng.randint(20, 120))
            moved_reason = SegmentReason.HANDOVER
            plan.events.append(
                (
                    moved_at,
                    TicketEventKind.HANDED_OVER,
                    worker,
                    Organisation.PARTNER,
                    {"reason": rng.choice(HANDOVER_REASONS)},
                )
            )
            delivered = Organisation.CDS
            worker = self.cds.dispatcher
            step = moved_at
        engineer: tuple[int, str, int | None] | None = None
        if delivered == Organisation.PARTNER and people.engineers:
            engineer = rng.choice(people.engineers)
        dispatched_at = step + timedelta(minutes=rng.randint(5, 60))
        plan.events.append(
            (
                dispatched_at,
                TicketEventKind.DISPATCHED,
                worker,
                delivered,
                {"engineer": engineer[1] if engineer else self.cds.engineer_name},
            )
        )
        arrived_at = self._arrival(cal, opened_at, targets, delivered, covered, dispatched_at)
        plan.events.append((arrived_at, TicketEventKind.ARRIVED, worker, delivered, {}))
        resolved_at = self._resolution(cal, opened_at, targets, delivered, covered, arrived_at)
        plan.events.append(
            (
                resolved_at,
                TicketEventKind.RESOLVED,
                worker,
                delivered,
                {"note": rng.choice(REPORTS)},
            )
        )
        closed_at = resolved_at + timedelta(minutes=rng.randint(30, 2 * 24 * 60))
        plan.events.append((closed_at, TicketEventKind.CLOSED, worker, delivered, {}))

        happened: dict[str, datetime] = {
            SlaTargetKind.RESPONSE: acknowledged_at,
            SlaTargetKind.ONSITE: arrived_at,
            SlaTargetKind.RESOLUTION: resolved_at,
        }
        level, backup = 1, False
        for spec, due, warn in targets.values():
            at = happened[spec.target]
            row: dict[str, Any] = {
                "target": spec.target,
                "hours": spec.hours,
                "next_business_day": spec.next_business_day,
                "enforced": spec.enforced,
                "due_at": due,
                "warn_at": warn,
                "met_at": at,
                "state": SlaState.MET,
            }
            if spec.enforced and warn is not None and due is not None and at > warn:
                row["warned_at"] = warn + SWEEP_DELAY
                plan.sla_events.append((spec.target, SlaEventKind.WARNED, due, warn + SWEEP_DELAY))
                plan.events.append(
                    (
                        warn + SWEEP_DELAY,
                        TicketEventKind.SLA_WARNED,
                        None,
                        SYSTEM,
                        {"target": spec.target, "due_at": due.isoformat()},
                    )
                )
            if spec.enforced and due is not None and at > due:
                fired = due + SWEEP_DELAY
                row |= {"state": SlaState.BREACHED, "breached_at": fired}
                plan.sla_events.append((spec.target, SlaEventKind.BREACHED, due, fired))
                plan.events.append(
                    (fired, TicketEventKind.SLA_BREACHED, None, SYSTEM, {"target": spec.target})
                )
                if level < 3:
                    level += 1
                    plan.events.append(
                        (
                            fired,
                            TicketEventKind.ESCALATED,
                            None,
                            SYSTEM,
                            {"level": level, "cause": f"sla_breach:{spec.target}"},
                        )
                    )
                holder = (
                    Organisation.CDS
                    if moved_at is not None and fired >= moved_at
                    else decision.delivered_by
                )
                if holder == Organisation.PARTNER and not backup:
                    backup = True
                    plan.events.append(
                        (
                            fired,
                            TicketEventKind.CDS_BACKUP_FLAGGED,
                            None,
                            SYSTEM,
                            {"target": spec.target},
                        )
                    )
            plan.targets.append(row)

        first_org = decision.delivered_by
        partner_of_segment = covered.partner_id if first_org == Organisation.PARTNER else None
        if moved_at is not None:
            plan.segments.append(
                (first_org, partner_of_segment, opened_at, moved_at, SegmentReason.OPENED)
            )
            plan.segments.append((Organisation.CDS, None, moved_at, resolved_at, moved_reason))
        else:
            plan.segments.append(
                (first_org, partner_of_segment, opened_at, resolved_at, SegmentReason.OPENED)
            )
        plan.events.sort(key=lambda e: e[0])
        plan.fields = {
            "delivered_by": delivered,
            "routing_reason": decision.reason,
            "routing_messages": decision.messages,
            "escalation_level": level,
            "cds_backup": backup,
            "assigned_engineer_id": engineer[0] if engineer else None,
            "assigned_cds_user_id": self.cds.engineer if delivered == Organisation.CDS else None,
            "opened_by_id": people.opener,
            "ownership_due_at": None if moved_at is not None else ownership_due,
            "acknowledged_at": acknowledged_at,
            "acknowledged_by_id": acknowledged_by,
            "dispatched_at": dispatched_at,
            "arrived_at": arrived_at,
            "resolved_at": resolved_at,
            "closed_at": closed_at,
            "handed_over_at": moved_at if moved_reason == SegmentReason.HANDOVER else None,
            "fell_back_at": moved_at if moved_reason == SegmentReason.FALLBACK else None,
        }
        return plan

    def _arrival(
        self,
        cal: sla_clock.Calendar,
        opened_at: datetime,
        targets: dict[str, tuple[sla.TargetSpec, datetime | None, datetime | None]],
        delivered: str,
        covered: Covered,
        dispatched_at: datetime,
    ) -> datetime:
        rng = self.rng
        earliest = dispatched_at + timedelta(minutes=rng.randint(25, 90))
        if SlaTargetKind.ONSITE not in targets:
            return earliest
        spec, due, _warn = targets[SlaTargetKind.ONSITE]
        assert due is not None
        late = self._late(delivered, covered.partner_id, "onsite")
        if spec.next_business_day:
            at = (
                due + timedelta(minutes=rng.randint(15, 240))
                if late
                else due - timedelta(minutes=rng.randint(30, 360))
            )
        else:
            at = _when(rng, cal, opened_at, float(spec.hours or 0), due, late=late)
        return max(at, earliest)

    def _resolution(
        self,
        cal: sla_clock.Calendar,
        opened_at: datetime,
        targets: dict[str, tuple[sla.TargetSpec, datetime | None, datetime | None]],
        delivered: str,
        covered: Covered,
        arrived_at: datetime,
    ) -> datetime:
        rng = self.rng
        earliest = arrived_at + timedelta(minutes=rng.randint(20, 150))
        if SlaTargetKind.RESOLUTION not in targets:
            return earliest
        spec, due, _warn = targets[SlaTargetKind.RESOLUTION]
        assert due is not None
        late = self._late(delivered, covered.partner_id, "resolution")
        at = _when(rng, cal, opened_at, float(spec.hours or 0), due, late=late)
        return max(at, earliest)


def plan_year(
    assets: list[Covered],
    *,
    first: date,
    last: date,
    quality: dict[int, float],
    people: dict[int, People],
    cds: CdsPeople,
    seed: int,
) -> list[PlannedTicket]:
    """The closed tickets of ``assets`` opened from ``first`` to ``last``, in opening order."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    return Year(rng, first, last, quality, people, cds).tickets(assets)


def covered_assets(routing_facts: Any, *, on: date) -> list[Covered]:
    """Every asset under an active contract, with who delivers its tickets and why.

    ``routing_facts(coverage)`` gives the routing rule's input for a coverage row; the
    decision is the one a ticket opened ``on`` that day would get.
    """
    rows = (
        ContractAsset.objects.filter(is_active=True)
        .exclude(kind=OfferingKind.PROACTIVE_CREDITS)
        .select_related(
            "asset__site",
            "asset__product_line",
            "contract__partner__tier",
            "contract__offering__tier_to_deliver",
        )
        .order_by("asset_id", "starts_on")
    )
    covered = []
    for row in rows:
        facts = routing_facts(row)
        decision = routing.route(facts)
        covered.append(
            Covered(
                asset_id=row.asset_id,
                customer_id=row.asset.customer_id,
                partner_id=row.contract.partner_id,
                contract_id=row.contract_id,
                line=row.asset.product_line.code,
                covered_from=row.starts_on,
                covered_to=min(row.ends_on, on),
                site=row.asset.site,
                offering=row.contract.offering,
                decision=decision,
                partner_delivers=facts.partner_tier_rank >= facts.tier_to_deliver_rank,
            )
        )
    return covered


def ticket_rows(plan: list[PlannedTicket]) -> list[Ticket]:
    """The tickets to insert (numbers are placeholders until their ids are known)."""
    return [
        Ticket(
            number=f"T-{uuid.uuid4().hex[:16]}",
            partner_id=p.covered.partner_id,
            customer_id=p.covered.customer_id,
            site_id=p.covered.site.pk,
            asset_id=p.covered.asset_id,
            contract_id=p.covered.contract_id,
            offering_id=p.covered.offering.pk,
            severity=p.severity,
            kind=p.kind,
            summary=p.summary,
            status=Status.CLOSED,
            opened_at=p.opened_at,
            **p.fields,
        )
        for p in plan
    ]
