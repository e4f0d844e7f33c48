"""A partner's figures over a window of months: delivery, SLA, times, credits.

The scorecard reads one window for the month and one for the trailing twelve
months; each is a fixed number of aggregate queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.utils.translation import gettext_lazy as _

from contracts.models import CreditEntry
from reports.periods import Month, interpolate, percentile_position, share
from reports.selectors.cds_causes import CdsCause, cause_counts, causes_from
from reports.selectors.figures import TargetCompliance, opened_tickets, sla_compliance
from tickets.models import Organisation, RoutingReason, Ticket, TicketEvent

#: The most common handover reasons listed one by one; the rest are summed.
TOP_HANDOVER_REASONS = 10

#: Why a ticket went to CDS at opening, by routing reason code (tickets/routing.py).
ROUTING_REASON_LABELS = {reason.value: reason.label for reason in RoutingReason}


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
    # The CDS share split by cause (area, hours, declined line, capacity, tier, …).
    causes: tuple[CdsCause, ...] = ()

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
        **cause_counts(),
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
        causes=causes_from(totals),
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


def partner_window(partner_id: int, first: Month, last: Month) -> Window:
    """The partner's figures for the tickets opened from ``first`` to ``last``."""
    tickets = opened_tickets(partner_id, first, last)
    delivery, acknowledged, arrived = _delivery(tickets)
    credits, services = _credits_used(partner_id, first, last)
    return Window(
        first=first,
        last=last,
        delivery=delivery,
        sla=sla_compliance(partner_id, first, last),
        ownership=_durations(tickets, "acknowledged_at", acknowledged),
        arrival=_durations(tickets, "arrived_at", arrived),
        credits_used=credits,
        preventive_services=services,
    )
