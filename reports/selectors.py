"""The scorecard and the programme dashboard, read from the portal's own data.

Every figure is an aggregate query (counts, sums, one sorted read per
percentile): the number of queries does not depend on how many tickets there
are, and no Python loop walks over tickets. Definitions, once:

- a ticket belongs to the month it was opened in (Europe/Paris);
- SLA compliance counts the enforced targets of those tickets: met (on time),
  breached (late, or still open past the deadline), running (neither yet:
  running, warned or paused); compliance = met / (met + breached);
- ownership time = opened → acknowledged (taken in charge), arrival time =
  opened → engineer on site, in elapsed minutes;
- delivering organisation = who delivers the ticket now: the partner, or CDS,
  either from the start (routing, with its reason), after a handover by the
  partner (with the partner's reason) or after the ownership window elapsed
  (fallback).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, CreditEntry
from partners import eligibility as engine
from partners import selectors as partner_selectors
from partners.models import Accreditation, Certification, Partner, Tier, TierPeriod
from reports.periods import Month, interpolate, percentile_position, share
from tickets.models import Organisation, SlaState, SlaTarget, SlaTargetKind, Ticket, TicketEvent

#: How far ahead expiring certifications and tiers at risk are looked for.
LOOKAHEAD_DAYS = 90
#: The most common handover reasons listed one by one; the rest are summed.
TOP_HANDOVER_REASONS = 10

RUNNING_STATES = (SlaState.RUNNING, SlaState.PAUSED, SlaState.WARNED)

#: Why a ticket went to CDS at opening, by routing reason code (tickets/routing.py).
ROUTING_REASON_LABELS = {
    "contract_delivery_cds": _("Le contrat prévoit la délivrance par le CDS"),
    "complex_requires_expert": _("Gamme complexe ou non HP : niveau expert requis"),
    "complex_no_certified_engineer": _("Gamme complexe : aucun ingénieur certifié"),
    "tier_not_authorised": _("Niveau du partenaire insuffisant pour délivrer l'offre"),
    "no_certified_engineer": _("Aucun ingénieur certifié sur la gamme"),
}


# ---------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetCompliance:
    target: str
    label: str
    met: int
    breached: int
    running: int

    @property
    def total(self) -> int:
        return self.met + self.breached + self.running

    @property
    def compliance_pct(self) -> float | None:
        return share(self.met, self.met + self.breached)


@dataclass(frozen=True)
class Durations:
    """Elapsed minutes from opening to an event, over the tickets where it happened."""

    count: int
    median_minutes: float | None
    p90_minutes: float | None


@dataclass(frozen=True)
class Reason:
    kind: str  # routing | handover | fallback
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Delivery:
    total: int
    partner: int
    cds: int
    cds_routed: int
    handed_over: int
    fallen_back: int
    cds_backup: int
    reasons: tuple[Reason, ...]

    @property
    def partner_pct(self) -> float | None:
        return share(self.partner, self.total)

    @property
    def cds_pct(self) -> float | None:
        return share(self.cds, self.total)

    @property
    def handed_over_pct(self) -> float | None:
        return share(self.handed_over, self.total)

    @property
    def fallen_back_pct(self) -> float | None:
        return share(self.fallen_back, self.total)


@dataclass(frozen=True)
class Window:
    first: Month
    last: Month
    delivery: Delivery
    sla: tuple[TargetCompliance, ...]
    ownership: Durations
    arrival: Durations
    credits_used: int
    preventive_services: int


@dataclass(frozen=True)
class MonthPoint:
    month: Month
    tickets: int
    partner: int
    cds: int
    handed_over: int
    fallen_back: int
    sla: tuple[TargetCompliance, ...]


@dataclass(frozen=True)
class ExpiringCertification:
    engineer: str
    course_code: str
    course: str
    expires_on: date
    days_left: int


@dataclass(frozen=True)
class RevenueStanding:
    revenue_12m_eur: Decimal
    as_of: date
    tier_code: str | None
    tier_name: str | None
    tier_threshold_eur: Decimal | None
    next_tier_code: str | None
    next_tier_name: str | None
    next_threshold_eur: Decimal | None

    @property
    def missing_for_next_eur(self) -> Decimal | None:
        if self.next_threshold_eur is None:
            return None
        return max(Decimal("0.00"), self.next_threshold_eur - self.revenue_12m_eur)

    @property
    def margin_over_tier_eur(self) -> Decimal | None:
        if self.tier_threshold_eur is None:
            return None
        return self.revenue_12m_eur - self.tier_threshold_eur


@dataclass(frozen=True)
class Scorecard:
    partner_id: int
    partner_name: str
    month: Month
    today: date
    month_figures: Window
    trailing: Window
    series: tuple[MonthPoint, ...]
    credits_balance: int
    expiring_certifications: tuple[ExpiringCertification, ...]
    revenue: RevenueStanding


# ---------------------------------------------------------------------------
# Building blocks, shared by the scorecard and the dashboard
# ---------------------------------------------------------------------------


def _tickets(partner_id: int | None, first: Month, last: Month) -> QuerySet[Ticket]:
    rows = Ticket.objects.filter(opened_at__gte=first.start(), opened_at__lt=last.end())
    if partner_id is not None:
        rows = rows.filter(partner_id=partner_id)
    return rows.order_by()


def _sla_counts() -> dict[str, Count]:
    return {
        "met": Count("id", filter=Q(state=SlaState.MET)),
        "breached": Count("id", filter=Q(state=SlaState.BREACHED)),
        "running": Count("id", filter=Q(state__in=RUNNING_STATES)),
    }


def _compliance_rows(counts: dict[str, dict[str, int]]) -> tuple[TargetCompliance, ...]:
    """One row per target kind, in the order of the contract, zeros included."""
    return tuple(
        TargetCompliance(
            target=kind.value,
            label=str(kind.label),
            met=counts.get(kind.value, {}).get("met", 0),
            breached=counts.get(kind.value, {}).get("breached", 0),
            running=counts.get(kind.value, {}).get("running", 0),
        )
        for kind in SlaTargetKind
    )


def _enforced_targets(partner_id: int | None, first: Month, last: Month) -> QuerySet[SlaTarget]:
    """The enforced SLA targets of the tickets opened from ``first`` to ``last``."""
    rows = SlaTarget.objects.filter(
        enforced=True, ticket__opened_at__gte=first.start(), ticket__opened_at__lt=last.end()
    )
    if partner_id is not None:
        rows = rows.filter(ticket__partner_id=partner_id)
    return rows.order_by()


def _sla(partner_id: int | None, first: Month, last: Month) -> tuple[TargetCompliance, ...]:
    rows = _enforced_targets(partner_id, first, last)
    counts = {
        row["target"]: row for row in rows.order_by().values("target").annotate(**_sla_counts())
    }
    return _compliance_rows(counts)


def _durations(tickets: QuerySet[Ticket], event_field: str, count: int) -> Durations:
    """Median and 90th percentile of opened → ``event_field``: two short sorted reads."""
    if count == 0:
        return Durations(0, None, None)
    elapsed = (
        tickets.filter(**{f"{event_field}__isnull": False})
        .annotate(
            elapsed=ExpressionWrapper(F(event_field) - F("opened_at"), output_field=DurationField())
        )
        .order_by("elapsed", "id")
        .values_list("elapsed", flat=True)
    )
    found = []
    for fraction in (0.5, 0.9):
        rank, weight = percentile_position(count, fraction)
        values = [d.total_seconds() / 60 for d in elapsed[rank : rank + 2]]
        found.append(round(interpolate(values, weight), 1))
    return Durations(count, found[0], found[1])


def _delivery(tickets: QuerySet[Ticket]) -> tuple[Delivery, int, int]:
    """Tickets by delivering organisation, with the reasons CDS delivers; 3 queries."""
    cds = Q(delivered_by=Organisation.CDS)
    routed = cds & Q(handed_over_at__isnull=True, fell_back_at__isnull=True)
    totals = tickets.aggregate(
        total=Count("id"),
        partner=Count("id", filter=Q(delivered_by=Organisation.PARTNER)),
        cds=Count("id", filter=cds),
        cds_routed=Count("id", filter=routed),
        handed_over=Count("id", filter=Q(handed_over_at__isnull=False)),
        fallen_back=Count("id", filter=Q(fell_back_at__isnull=False)),
        cds_backup=Count("id", filter=Q(cds_backup=True)),
        acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
        arrived=Count("id", filter=Q(arrived_at__isnull=False)),
    )
    reasons: list[Reason] = [
        Reason(
            "routing",
            row["routing_reason"],
            str(ROUTING_REASON_LABELS.get(row["routing_reason"], row["routing_reason"])),
            row["n"],
        )
        for row in tickets.filter(routed)
        .values("routing_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "routing_reason")
    ]
    handovers = list(
        TicketEvent.objects.filter(event="handed_over", ticket__in=tickets)
        .values(reason=KT("detail__reason"))
        .annotate(n=Count("id"))
        .order_by("-n", "reason")[:TOP_HANDOVER_REASONS]
    )
    reasons += [Reason("handover", "", row["reason"] or "—", row["n"]) for row in handovers]
    others = totals["handed_over"] - sum(row["n"] for row in handovers)
    if others > 0:
        reasons.append(Reason("handover", "other", str(_("Autres motifs")), others))
    if totals["fallen_back"]:
        reasons.append(
            Reason(
                "fallback",
                "ownership_window_elapsed",
                str(_("Délai de prise en charge du partenaire écoulé")),
                totals["fallen_back"],
            )
        )
    delivery = Delivery(
        total=totals["total"],
        partner=totals["partner"],
        cds=totals["cds"],
        cds_routed=totals["cds_routed"],
        handed_over=totals["handed_over"],
        fallen_back=totals["fallen_back"],
        cds_backup=totals["cds_backup"],
        reasons=tuple(reasons),
    )
    return delivery, totals["acknowledged"], totals["arrived"]


def _credits_used(partner_id: int, first: Month, last: Month) -> tuple[int, int]:
    used = CreditEntry.objects.filter(
        kind=CreditEntry.Kind.CONSUMED,
        contract__partner_id=partner_id,
        at__gte=first.start(),
        at__lt=last.end(),
    ).aggregate(credits=Sum("credits"), services=Count("id"))
    return -(used["credits"] or 0), used["services"]


def _window(partner_id: int, first: Month, last: Month) -> Window:
    tickets = _tickets(partner_id, first, last)
    delivery, acknowledged, arrived = _delivery(tickets)
    credits, services = _credits_used(partner_id, first, last)
    return Window(
        first=first,
        last=last,
        delivery=delivery,
        sla=_sla(partner_id, first, last),
        ownership=_durations(tickets, "acknowledged_at", acknowledged),
        arrival=_durations(tickets, "arrived_at", arrived),
        credits_used=credits,
        preventive_services=services,
    )


def _month_index(months: tuple[Month, ...], prefix: str = "") -> Case:
    """Which of ``months`` the opening instant falls in (rows are already within them)."""
    return Case(
        *(
            When(**{f"{prefix}opened_at__lt": month.end()}, then=Value(index))
            for index, month in enumerate(months)
        ),
        output_field=IntegerField(),
    )


def _series(
    partner_id: int | None, months: tuple[Month, ...], *, with_sla: bool = True
) -> tuple[MonthPoint, ...]:
    """Month by month over ``months``: tickets by organisation and SLA outcomes; 2 queries.

    Rows are bucketed by comparing the opening instant with the months' Paris
    bounds (no per-row time-zone conversion), then grouped by bucket. Without
    ``with_sla`` (the programme-wide series: a year of every ticket's targets is
    a join of millions of rows) the SLA outcomes are left out, one query.
    """
    first, last = months[0], months[-1]
    tickets = {
        row["index"]: row
        for row in _tickets(partner_id, first, last)
        .annotate(index=_month_index(months))
        .values("index")
        .annotate(
            total=Count("id"),
            partner=Count("id", filter=Q(delivered_by=Organisation.PARTNER)),
            cds=Count("id", filter=Q(delivered_by=Organisation.CDS)),
            handed_over=Count("id", filter=Q(handed_over_at__isnull=False)),
            fallen_back=Count("id", filter=Q(fell_back_at__isnull=False)),
        )
    }
    sla: dict[int, dict[str, dict[str, int]]] = {}
    if not with_sla:
        return tuple(_point(month, tickets.get(index), None) for index, month in enumerate(months))
    for row in (
        _enforced_targets(partner_id, first, last)
        .annotate(index=_month_index(months, "ticket__"))
        .values("index", "target")
        .annotate(**_sla_counts())
    ):
        sla.setdefault(row["index"], {})[row["target"]] = row
    return tuple(
        _point(month, tickets.get(index), sla.get(index, {})) for index, month in enumerate(months)
    )


def _point(
    month: Month, tickets: dict[str, int] | None, sla: dict[str, dict[str, int]] | None
) -> MonthPoint:
    tickets = tickets or {}
    return MonthPoint(
        month=month,
        tickets=tickets.get("total", 0),
        partner=tickets.get("partner", 0),
        cds=tickets.get("cds", 0),
        handed_over=tickets.get("handed_over", 0),
        fallen_back=tickets.get("fallen_back", 0),
        sla=_compliance_rows(sla) if sla is not None else (),
    )


def _expiring_certifications(partner_id: int, today: date) -> tuple[ExpiringCertification, ...]:
    """Valid certifications ending within the look-ahead, unless already renewed."""
    renewed = Certification.objects.filter(
        engineer_id=OuterRef("engineer_id"),
        course_id=OuterRef("course_id"),
        expires_on__gt=OuterRef("expires_on"),
        passed_on__lte=today,
    )
    rows = (
        Certification.objects.valid_on(today)
        .expiring_between(today, today + timedelta(days=LOOKAHEAD_DAYS))
        .filter(engineer__partner_id=partner_id, engineer__is_active=True)
        .exclude(Exists(renewed))
        .select_related("engineer", "course")
        .order_by("expires_on", "engineer__name", "id")
    )
    return tuple(
        ExpiringCertification(
            engineer=c.engineer.name,
            course_code=c.course.code,
            course=c.course.display_name,
            expires_on=c.expires_on,
            days_left=(c.expires_on - today).days,
        )
        for c in rows
    )


def revenue_floor(specs: tuple[engine.Tier, ...], code: str) -> Decimal | None:
    """A tier's revenue threshold, inherited through its previous-tier requirements."""
    by_code = {t.code: t for t in specs}
    floor: Decimal | None = None
    seen: set[str] = set()
    while code in by_code and code not in seen:
        seen.add(code)
        tier, code = by_code[code], ""
        for requirement in tier.requirements:
            if requirement.kind == engine.KIND_MIN_REVENUE and requirement.amount_eur is not None:
                floor = max(floor or requirement.amount_eur, requirement.amount_eur)
            elif requirement.kind == engine.KIND_PREVIOUS_TIER and requirement.tier_code:
                code = requirement.tier_code
    return floor


def _revenue(partner: Partner, as_of: date) -> RevenueStanding:
    specs = partner_selectors.tier_specs()
    tiers = {t.code: t for t in Tier.objects.order_by("rank")}
    current = partner.tier
    following = [t for t in tiers.values() if current is None or t.rank > current.rank]
    upcoming = following[0] if following else None
    return RevenueStanding(
        revenue_12m_eur=partner_selectors.services_revenue_12m(partner, on=as_of),
        as_of=as_of,
        tier_code=current.code if current else None,
        tier_name=current.display_name if current else None,
        tier_threshold_eur=revenue_floor(specs, current.code) if current else None,
        next_tier_code=upcoming.code if upcoming else None,
        next_tier_name=upcoming.display_name if upcoming else None,
        next_threshold_eur=revenue_floor(specs, upcoming.code) if upcoming else None,
    )


# ---------------------------------------------------------------------------
# The partner scorecard
# ---------------------------------------------------------------------------


def partner_scorecard(partner: Partner, month: Month, *, today: date) -> Scorecard:
    """Everything a partner would otherwise report by hand, for ``month`` and 12 months to it."""
    months = month.trailing(12)
    as_of = min(today, month.last_day)
    balance = Contract.objects.filter(
        partner_id=partner.pk,
        status=Contract.Status.ACTIVE,
        offering__kind="proactive_credits",
    ).aggregate(balance=Sum("credits_balance"))["balance"]
    return Scorecard(
        partner_id=partner.pk,
        partner_name=partner.name,
        month=month,
        today=today,
        month_figures=_window(partner.pk, month, month),
        trailing=_window(partner.pk, months[0], months[-1]),
        series=_series(partner.pk, months),
        credits_balance=balance or 0,
        expiring_certifications=_expiring_certifications(partner.pk, today),
        revenue=_revenue(partner, as_of),
    )


# ---------------------------------------------------------------------------
# The programme dashboard (HP)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TierCount:
    code: str
    name: str
    rank: int
    holding: int  # partners at exactly this tier
    at_least: int  # partners at this tier or above (the article's "sellers", "deliverers")


@dataclass(frozen=True)
class TierMonth:
    month: Month
    on: date
    tiers: tuple[TierCount, ...]


@dataclass(frozen=True)
class PendingAccreditation:
    id: int
    partner_id: int
    partner: str
    tier: str
    submitted_at: datetime
    age_days: int


@dataclass(frozen=True)
class OrganisationCompliance:
    organisation: str  # partner | cds
    partner_id: int | None
    name: str
    tickets: int
    sla: tuple[TargetCompliance, ...]

    @property
    def met(self) -> int:
        return sum(t.met for t in self.sla)

    @property
    def breached(self) -> int:
        return sum(t.breached for t in self.sla)

    @property
    def compliance_pct(self) -> float | None:
        return share(self.met, self.met + self.breached)


@dataclass(frozen=True)
class TierAtRisk:
    partner_id: int
    partner: str
    tier_code: str
    tier: str
    at_risk_on: date
    days_left: int
    reason: str


@dataclass(frozen=True)
class Dashboard:
    month: Month
    today: date
    tiers_over_time: tuple[TierMonth, ...]
    pending: tuple[PendingAccreditation, ...]
    organisations: tuple[OrganisationCompliance, ...]
    at_risk: tuple[TierAtRisk, ...]
    series: tuple[MonthPoint, ...] = field(default=())


def _tiers_over_time(months: tuple[Month, ...], today: date) -> tuple[TierMonth, ...]:
    """Partners per tier at each month's end (today for the month in progress); 2 queries."""
    tiers = list(Tier.objects.order_by("rank"))
    days = [min(m.last_day, today) for m in months]
    held_on = {
        f"d{i}": Count(
            "id",
            filter=Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day)),
        )
        for i, day in enumerate(days)
    }
    counts = {
        row["tier_id"]: row
        for row in TierPeriod.objects.filter(partner__is_active=True, started_on__lte=days[-1])
        .order_by()
        .values("tier_id")
        .annotate(**held_on)
    }
    result = []
    for i, (month, day) in enumerate(zip(months, days, strict=True)):
        holding = {t.pk: counts.get(t.pk, {}).get(f"d{i}", 0) for t in tiers}
        result.append(
            TierMonth(
                month=month,
                on=day,
                tiers=tuple(
                    TierCount(
                        code=t.code,
                        name=t.display_name,
                        rank=t.rank,
                        holding=holding[t.pk],
                        at_least=sum(holding[u.pk] for u in tiers if u.rank >= t.rank),
                    )
                    for t in tiers
                ),
            )
        )
    return tuple(result)


def _pending(now: datetime) -> tuple[PendingAccreditation, ...]:
    rows = (
        Accreditation.objects.filter(status=Accreditation.Status.SUBMITTED)
        .select_related("partner", "tier")
        .order_by("submitted_at", "id")
    )
    return tuple(
        PendingAccreditation(
            id=a.pk,
            partner_id=a.partner_id,
            partner=a.partner.name,
            tier=a.tier.display_name,
            submitted_at=a.submitted_at,
            age_days=(now - a.submitted_at).days if a.submitted_at else 0,
        )
        for a in rows
    )


def _organisations(month: Month) -> tuple[OrganisationCompliance, ...]:
    """SLA compliance of CDS and of each partner for the tickets they deliver; 2 queries."""
    counts: dict[tuple[str, int | None], dict[str, dict[str, int]]] = {}
    for row in (
        _enforced_targets(None, month, month)
        .values("ticket__delivered_by", "ticket__partner_id", "target")
        .annotate(**_sla_counts())
    ):
        partner_id = (
            None if row["ticket__delivered_by"] == Organisation.CDS else row["ticket__partner_id"]
        )
        key = (row["ticket__delivered_by"], partner_id)
        per_target = counts.setdefault(key, {}).setdefault(
            row["target"], {"met": 0, "breached": 0, "running": 0}
        )
        for state in ("met", "breached", "running"):
            per_target[state] += row[state]
    tickets: dict[tuple[str, int | None], int] = {}
    names: dict[int, str] = {}
    for row in (
        _tickets(None, month, month)
        .values("delivered_by", "partner_id", "partner__name")
        .annotate(n=Count("id"))
    ):
        partner_id = None if row["delivered_by"] == Organisation.CDS else row["partner_id"]
        key = (row["delivered_by"], partner_id)
        tickets[key] = tickets.get(key, 0) + row["n"]
        names[row["partner_id"]] = row["partner__name"]
    result = [
        OrganisationCompliance(
            organisation=organisation,
            partner_id=partner_id,
            name=str(_("CDS (HP)")) if partner_id is None else names.get(partner_id, ""),
            tickets=tickets.get((organisation, partner_id), 0),
            sla=_compliance_rows(counts.get((organisation, partner_id), {})),
        )
        for organisation, partner_id in set(counts) | set(tickets)
    ]
    # CDS first, then partners from the least compliant: who needs attention.
    result.sort(
        key=lambda o: (
            o.partner_id is not None,
            o.compliance_pct if o.compliance_pct is not None else 101.0,
            o.name,
        )
    )
    return tuple(result)


def _at_risk(today: date) -> tuple[TierAtRisk, ...]:
    """Partners whose current tier would be lost within the look-ahead (bulk snapshots)."""
    partners = Partner.objects.filter(is_active=True, tier__isnull=False).select_related("tier")
    by_id = {p.pk: p for p in partners}
    if not by_id:
        return ()
    specs = partner_selectors.tier_specs()
    snapshots = partner_selectors.snapshots_for(partners, on=today)
    horizon = today + timedelta(days=LOOKAHEAD_DAYS)
    found = []
    for partner_id, snapshot in snapshots.items():
        partner = by_id[partner_id]
        risk = engine.tier_at_risk(snapshot, specs, today, partner.tier.code)
        if risk is None or risk.at_risk_on > horizon:
            continue
        found.append(
            TierAtRisk(
                partner_id=partner_id,
                partner=partner.name,
                tier_code=partner.tier.code,
                tier=partner.tier.display_name,
                at_risk_on=risk.at_risk_on,
                days_left=(risk.at_risk_on - today).days,
                reason=risk.message(get_language() or "fr"),
            )
        )
    found.sort(key=lambda r: (r.at_risk_on, r.partner))
    return tuple(found)


def programme_dashboard(month: Month, *, today: date, now: datetime) -> Dashboard:
    """HP's view of the programme for ``month``: tiers over 12 months, approvals, SLA, risk."""
    months = month.trailing(12)
    return Dashboard(
        month=month,
        today=today,
        tiers_over_time=_tiers_over_time(months, today),
        pending=_pending(now),
        organisations=_organisations(month),
        at_risk=_at_risk(today),
        series=_series(None, months, with_sla=False),
    )
