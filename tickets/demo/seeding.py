"""Writing the demo's tickets: who acts, the year set-wise, Proactive Select visits, the week."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from contracts.models import Contract, ContractAsset, CreditEntry, OfferingKind
from partners.models import Certification, Engineer, Membership, Partner, Tier
from partners.selectors import today as local_today
from servicone.access import PartnerRole, StaffRole
from tickets import routing
from tickets.demo.current import seed_week
from tickets.demo.data import PREVENTIVE_SUMMARIES
from tickets.demo.history import (
    CdsPeople,
    Covered,
    People,
    PlannedTicket,
    Year,
    covered_assets,
    plan_year,
    ticket_rows,
)
from tickets.models import (
    Kind,
    OwnershipSegment,
    SlaEvent,
    SlaTarget,
    Ticket,
    TicketEvent,
    TicketEventKind,
)

BATCH = 500


@transaction.atomic
def seed_tickets_demo(*, seed: int = 20261126) -> dict[str, int]:
    """A year of tickets on the demo's covered assets, then this week's; once."""
    if Ticket.objects.exists():
        return {"tickets": 0}
    users = get_user_model().objects
    dispatcher = users.filter(groups__name=StaffRole.CDS_DISPATCHER).order_by("id").first()
    cds_engineer = users.filter(groups__name=StaffRole.CDS_ENGINEER).order_by("id").first()
    if dispatcher is None or cds_engineer is None:
        return {"tickets": 0}
    today = local_today()
    first = date(today.year - 1, today.month, 1)  # twelve months before this one began
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    assets = covered_assets(_routing_facts(today), on=today)
    partner_ids = sorted({a.partner_id for a in assets})
    people = _people(partner_ids)
    ovesys_id = Partner.objects.filter(name="Ovesys").values_list("pk", flat=True).first()
    # How well each partner keeps its commitments: 89 to 99 %, Ovesys about 95 %.
    quality = {pk: rng.uniform(0.89, 0.99) for pk in partner_ids}
    if ovesys_id is not None:
        quality[ovesys_id] = 0.95
    cds = CdsPeople(dispatcher.pk, cds_engineer.pk, cds_engineer.get_full_name() or "CDS")
    plan = plan_year(
        assets,
        first=first,
        last=today - timedelta(days=3),
        quality=quality,
        people=people,
        cds=cds,
        seed=seed,
    )
    year = Year(rng, first, today - timedelta(days=3), quality, people, cds)
    visits = _preventive_visits(year, assets, today, rng)
    written = _write(plan + visits)
    _consume_credits(written)
    week = seed_week(
        assets,
        actors={pk: users.get(pk=p.worker) for pk, p in people.items() if p.worker},
        engineers=_certified_engineers(partner_ids, today),
        cds_users=(dispatcher, cds_engineer),
        ovesys_id=ovesys_id,
        seed=seed,
    )
    return {"tickets": len(written) + week, "history": len(written), "week": week}


def _routing_facts(on: date) -> Any:
    """The routing rule's input for a coverage row, as ``routing_facts`` reads it ``on``."""
    certified = set(
        Certification.objects.filter(
            engineer__is_active=True, passed_on__lte=on, expires_on__gte=on
        ).values_list("engineer__partner_id", "course__product_line_id")
    )
    expert = Tier.objects.filter(code="expert").values_list("rank", flat=True).first() or 0

    def facts(row: ContractAsset, offering: Any = None) -> routing.RoutingInput:
        asset, contract = row.asset, row.contract
        offering = offering or contract.offering
        partner = contract.partner
        line = asset.product_line
        return routing.RoutingInput(
            delivery_mode=contract.delivery_mode,
            vendor=asset.vendor,
            product_line_code=line.code,
            product_line_name=line.name,
            product_line_is_complex=line.is_complex or not line.is_hp,
            partner_tier_rank=partner.tier.rank if partner.tier else -1,
            partner_tier_name=partner.tier.name if partner.tier else "",
            tier_to_deliver_rank=offering.tier_to_deliver.rank,
            tier_to_deliver_name=offering.tier_to_deliver.name,
            expert_rank=expert,
            certified_on_line=(partner.pk, line.pk) in certified,
        )

    return facts


def _people(partner_ids: list[int]) -> dict[int, People]:
    """Each partner's admin (opens and works its calls), engineers and the engineer who
    logs in (works some calls too)."""
    admins = dict(
        Membership.objects.filter(partner_id__in=partner_ids, role=PartnerRole.ADMIN)
        .order_by("-id")
        .values_list("partner_id", "user_id")
    )
    engineers: dict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    for pk, partner_id, name, user_id in (
        Engineer.objects.filter(partner_id__in=partner_ids, is_active=True)
        .order_by("id")
        .values_list("pk", "partner_id", "name", "user_id")
    ):
        engineers[partner_id].append((pk, name, user_id))
    return {
        pk: People(
            opener=admins.get(pk),
            worker=next((u for _e, _n, u in engineers[pk] if u), admins.get(pk)),
            engineers=tuple(engineers[pk]),
        )
        for pk in partner_ids
    }


def _certified_engineers(partner_ids: list[int], on: date) -> dict[tuple[int, str], list[Any]]:
    """The partners' engineers certified today, by partner and product line code."""
    found: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for cert in Certification.objects.filter(
        engineer__partner_id__in=partner_ids,
        engineer__is_active=True,
        passed_on__lte=on,
        expires_on__gte=on,
    ).select_related("engineer", "course__product_line"):
        found[(cert.engineer.partner_id, cert.course.product_line.code)].append(cert.engineer)
    return found


def _preventive_visits(
    year: Year, assets: list[Covered], today: date, rng: random.Random
) -> list[PlannedTicket]:
    """Proactive Select: preventive visits drawing on each customer's credits, over the year."""
    by_customer: dict[int, list[Covered]] = defaultdict(list)
    for covered in assets:
        by_customer[covered.customer_id].append(covered)
    facts = _routing_facts(today)
    visits = []
    for contract in Contract.objects.filter(
        offering__kind=OfferingKind.PROACTIVE_CREDITS, status=Contract.Status.ACTIVE
    ).select_related("offering__tier_to_deliver"):
        found = by_customer.get(contract.customer_id)
        if not found:
            continue
        covered = found[0]
        row = (
            ContractAsset.objects.filter(asset_id=covered.asset_id, contract_id=covered.contract_id)
            .select_related("asset__product_line", "contract__partner__tier", "contract__offering")
            .first()
        )
        if row is None:
            continue
        decision = routing.route(facts(row, contract.offering))
        visit = Covered(**{**_fields(covered), "decision": decision})
        start = max(contract.starts_on, year.first)
        span = (today - timedelta(days=4) - start).days
        for index in range(min(rng.randint(3, 6), contract.credits_balance)):
            day = start + timedelta(days=span * (index + 1) // 7 + rng.randint(0, 6))
            opened_at = datetime.combine(
                day if day.weekday() < 5 else day + timedelta(days=7 - day.weekday()),
                time(9, rng.randint(0, 59)),
                tzinfo=ZoneInfo(covered.site.timezone),
            )
            planned = year.ticket(visit, opened_at)
            planned.kind = Kind.PREVENTIVE
            planned.severity = 4
            planned.summary = rng.choice(PREVENTIVE_SUMMARIES)
            planned.fields["credits_contract_id"] = contract.pk
            visits.append(planned)
    return visits


def _fields(covered: Covered) -> dict[str, Any]:
    return {name: getattr(covered, name) for name in Covered.__slots__}


def _write(plan: list[PlannedTicket]) -> list[Ticket]:
    """Tickets, then their targets, SLA events, timelines and segments: bulk inserts."""
    plan.sort(key=lambda p: p.opened_at)
    tickets = Ticket.objects.bulk_create(ticket_rows(plan), batch_size=BATCH)
    for ticket in tickets:
        # As ``ticket_open`` numbers them: the year it was opened and its id.
        ticket.number = f"TK-{timezone.localtime(ticket.opened_at).year}-{ticket.pk:06d}"
    Ticket.objects.bulk_update(tickets, ["number"], batch_size=BATCH)
    targets, sla_events, events, segments = [], [], [], []
    for ticket, planned in zip(tickets, plan, strict=True):
        targets += [SlaTarget(ticket_id=ticket.pk, version=1, **row) for row in planned.targets]
        sla_events += [
            SlaEvent(ticket_id=ticket.pk, target=target, event=event, version=1, due_at=due, at=at)
            for target, event, due, at in planned.sla_events
        ]
        events += [
            TicketEvent(
                ticket_id=ticket.pk,
                at=at,
                event=event,
                actor_id=actor,
                organisation=organisation,
                detail=detail,
            )
            for at, event, actor, organisation, detail in planned.events
        ]
        segments += [
            OwnershipSegment(
                ticket_id=ticket.pk,
                organisation=organisation,
                partner_id=partner_id,
                started_at=started,
                ended_at=ended,
                reason=reason,
            )
            for organisation, partner_id, started, ended, reason in planned.segments
        ]
    SlaTarget.objects.bulk_create(targets, batch_size=BATCH)
    SlaEvent.objects.bulk_create(sla_events, batch_size=BATCH)
    TicketEvent.objects.bulk_create(events, batch_size=BATCH)
    OwnershipSegment.objects.bulk_create(segments, batch_size=BATCH)
    return tickets


def _consume_credits(written: list[Ticket]) -> None:
    """Each delivered preventive visit consumed one credit, in the ledger and the balance."""
    by_visit = {t.pk: t for t in written if t.kind == Kind.PREVENTIVE and t.credits_contract_id}
    contracts = {
        c.pk: c
        for c in Contract.objects.filter(pk__in={t.credits_contract_id for t in by_visit.values()})
    }
    # The purchase happened when the contract started, not when the demo was seeded.
    for contract in contracts.values():
        CreditEntry.objects.filter(contract=contract, kind=CreditEntry.Kind.PURCHASED).update(
            at=datetime.combine(contract.starts_on, time(9), tzinfo=ZoneInfo("Europe/Paris"))
        )
    entries, consumed = [], []
    for ticket in sorted(by_visit.values(), key=lambda t: t.resolved_at or t.opened_at):
        contract = contracts[ticket.credits_contract_id or 0]
        contract.credits_balance -= 1
        delivered_at = ticket.resolved_at or ticket.opened_at  # history tickets are resolved
        entries.append(
            CreditEntry(
                contract=contract,
                kind=CreditEntry.Kind.CONSUMED,
                credits=-1,
                balance_after=contract.credits_balance,
                at=delivered_at,
                reference=ticket.number,
                dedup_key=f"ticket:{ticket.pk}",
            )
        )
        consumed.append(
            TicketEvent(
                ticket_id=ticket.pk,
                at=delivered_at,
                event=TicketEventKind.CREDITS_CONSUMED,
                organisation=ticket.delivered_by,
                detail={"credits": 1, "balance_after": contract.credits_balance},
            )
        )
    CreditEntry.objects.bulk_create(entries)
    TicketEvent.objects.bulk_create(consumed)
    Contract.objects.bulk_update(list(contracts.values()), ["credits_balance"])
