"""The partner scorecard (« fiche de performance »): a month and the 12 months to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Sum

from contracts.models import Contract
from partners import eligibility as engine
from partners import selectors as partner_selectors
from partners.models import Certification, Partner, Tier
from reports.periods import Month
from reports.selectors.figures import LOOKAHEAD_DAYS, MonthPoint, monthly_series
from reports.selectors.window import Window, partner_window


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


def scorecard_partners() -> QuerySet[Partner]:
    """The partners a scorecard can be about, with the tier their revenue is measured against."""
    return Partner.objects.select_related("tier")


def scorecard_partner_choices() -> list[tuple[int, str]]:
    """``(id, name)`` of the active partners, by name: the list HP staff pick from."""
    return list(
        Partner.objects.filter(is_active=True).order_by("name", "id").values_list("id", "name")
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


def _revenue(partner: Partner, as_of: date) -> RevenueStanding:
    """Revenue beside the thresholds of the current and the next tier: each tier's own
    revenue criterion only (``engine.Tier.revenue_threshold_eur``), never inherited."""
    specs = {t.code: t for t in partner_selectors.tier_specs()}
    tiers = {t.code: t for t in Tier.objects.order_by("rank")}
    current = partner.tier
    following = [t for t in tiers.values() if current is None or t.rank > current.rank]
    upcoming = following[0] if following else None
    return RevenueStanding(
        revenue_12m_eur=partner_selectors.services_revenue_12m(partner, on=as_of),
        as_of=as_of,
        tier_code=current.code if current else None,
        tier_name=current.display_name if current else None,
        tier_threshold_eur=_threshold(specs, current.code if current else None),
        next_tier_code=upcoming.code if upcoming else None,
        next_tier_name=upcoming.display_name if upcoming else None,
        next_threshold_eur=_threshold(specs, upcoming.code if upcoming else None),
    )


def _threshold(specs: dict[str, engine.Tier], code: str | None) -> Decimal | None:
    spec = specs.get(code or "")
    return spec.revenue_threshold_eur if spec is not None else None


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
        month_figures=partner_window(partner.pk, month, month),
        trailing=partner_window(partner.pk, months[0], months[-1]),
        series=monthly_series(partner.pk, months),
        credits_balance=balance or 0,
        expiring_certifications=_expiring_certifications(partner.pk, today),
        revenue=_revenue(partner, as_of),
    )
