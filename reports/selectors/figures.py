"""Ticket and SLA figures shared by the scorecard and the dashboard: the building blocks.

Tickets and their enforced targets are read by the month they were opened in
(Paris bounds, no per-row time-zone conversion); SLA outcomes are counted per
target kind, and month-by-month series bucket rows with one ``CASE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from reports.periods import Month, share
from tickets.models import Organisation, SlaState, SlaTarget, SlaTargetKind, Ticket

#: How far ahead expiring certifications and tiers at risk are looked for.
LOOKAHEAD_DAYS = 90

RUNNING_STATES = (SlaState.RUNNING, SlaState.PAUSED, SlaState.WARNED)


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
class MonthPoint:
    month: Month
    tickets: int
    partner: int
    cds: int
    handed_over: int
    fallen_back: int
    sla: tuple[TargetCompliance, ...]


def opened_tickets(partner_id: int | None, first: Month, last: Month) -> QuerySet[Ticket]:
    """Tickets opened from ``first`` to ``last`` (of one partner, or all of them)."""
    rows = Ticket.objects.filter(opened_at__gte=first.start(), opened_at__lt=last.end())
    if partner_id is not None:
        rows = rows.filter(partner_id=partner_id)
    return rows.order_by()


def enforced_targets(partner_id: int | None, first: Month, last: Month) -> QuerySet[SlaTarget]:
    """The enforced SLA targets of the tickets opened from ``first`` to ``last``."""
    rows = SlaTarget.objects.filter(
        enforced=True, ticket__opened_at__gte=first.start(), ticket__opened_at__lt=last.end()
    )
    if partner_id is not None:
        rows = rows.filter(ticket__partner_id=partner_id)
    return rows.order_by()


def sla_counts() -> dict[str, Count]:
    """Met, breached and running targets, as aggregates of a ``values()`` grouping."""
    return {
        "met": Count("id", filter=Q(state=SlaState.MET)),
        "breached": Count("id", filter=Q(state=SlaState.BREACHED)),
        "running": Count("id", filter=Q(state__in=RUNNING_STATES)),
    }


def compliance_rows(counts: dict[str, dict[str, int]]) -> tuple[TargetCompliance, ...]:
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


def sla_compliance(
    partner_id: int | None, first: Month, last: Month
) -> tuple[TargetCompliance, ...]:
    """SLA outcomes per target kind of the tickets opened from ``first`` to ``last``; 1 query."""
    rows = enforced_targets(partner_id, first, last)
    counts = {
        row["target"]: row for row in rows.order_by().values("target").annotate(**sla_counts())
    }
    return compliance_rows(counts)


def _month_index(months: tuple[Month, ...], prefix: str = "") -> Case:
    """Which of ``months`` the opening instant falls in (rows are already within them)."""
    return Case(
        *(
            When(**{f"{prefix}opened_at__lt": month.end()}, then=Value(index))
            for index, month in enumerate(months)
        ),
        output_field=IntegerField(),
    )


def monthly_series(
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
        for row in opened_tickets(partner_id, first, last)
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
        enforced_targets(partner_id, first, last)
        .annotate(index=_month_index(months, "ticket__"))
        .values("index", "target")
        .annotate(**sla_counts())
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
        sla=compliance_rows(sla) if sla is not None else (),
    )
