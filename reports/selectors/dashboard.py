"""HP's programme dashboard: tiers over time, approvals waiting, SLA by organisation, risk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from partners import eligibility as engine
from partners import selectors as partner_selectors
from partners.models import Accreditation, Partner, Tier, TierPeriod
from reports.periods import Month, share
from reports.selectors.cds_causes import CdsCause, cause_counts, causes_from, summed
from reports.selectors.figures import (
    LOOKAHEAD_DAYS,
    MonthPoint,
    TargetCompliance,
    compliance_rows,
    enforced_targets,
    monthly_series,
    opened_tickets,
    sla_counts,
)
from servicone.presenters import active_language
from tickets.models import Organisation


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
    submitted_at: datetime | None
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
    # The month's CDS share split by cause, programme-wide.
    cds_causes: tuple[CdsCause, ...] = field(default=())


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


def _pending(today: date) -> tuple[PendingAccreditation, ...]:
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
            age_days=Accreditation.days_waiting(a.submitted_at, today),
        )
        for a in rows
    )


def _organisations(
    month: Month,
) -> tuple[tuple[OrganisationCompliance, ...], tuple[CdsCause, ...]]:
    """SLA compliance of CDS and of each partner for the tickets they deliver, and the CDS
    share by cause; 2 queries."""
    counts: dict[tuple[str, int | None], dict[str, dict[str, int]]] = {}
    for row in (
        enforced_targets(None, month, month)
        .values("ticket__delivered_by", "ticket__partner_id", "target")
        .annotate(**sla_counts())
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
    rows = list(
        opened_tickets(None, month, month)
        .values("delivered_by", "partner_id", "partner__name")
        .annotate(n=Count("id"), **cause_counts())
    )
    for row in rows:
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
            sla=compliance_rows(counts.get((organisation, partner_id), {})),
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
    return tuple(result), causes_from(summed(rows))


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
        tier = partner.tier
        if tier is None:  # filtered out above; tells the type checker
            continue
        risk = engine.tier_at_risk(snapshot, specs, today, tier.code)
        if risk is None or risk.at_risk_on > horizon:
            continue
        found.append(
            TierAtRisk(
                partner_id=partner_id,
                partner=partner.name,
                tier_code=tier.code,
                tier=tier.display_name,
                at_risk_on=risk.at_risk_on,
                days_left=(risk.at_risk_on - today).days,
                reason=risk.message(active_language()),
            )
        )
    found.sort(key=lambda r: (r.at_risk_on, r.partner))
    return tuple(found)


def programme_dashboard(month: Month, *, today: date, now: datetime) -> Dashboard:
    """HP's view of the programme for ``month``: tiers over 12 months, approvals, SLA, risk."""
    months = month.trailing(12)
    organisations, cds_causes = _organisations(month)
    return Dashboard(
        month=month,
        today=today,
        tiers_over_time=_tiers_over_time(months, today),
        pending=_pending(today),
        organisations=organisations,
        at_risk=_at_risk(today),
        series=monthly_series(None, months, with_sla=False),
        cds_causes=cds_causes,
    )
