"""HP's programme dashboard: tiers over time, pending approvals, SLA by organisation, risk."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.models import Partner, Tier, TierPeriod
from partners.services import partner_apply_evaluation, tier_periods_backfill
from reports.periods import Month
from reports.selectors import programme_dashboard
from tests.partners.factories import (
    PartnerFactory,
    certify,
    make_deliver_ready,
    partner_user,
    submitted_application,
)
from tests.reports.factories import coverage_for, ticket_with

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def test_a_tier_change_closes_the_old_period_and_opens_the_new_one():
    partner = PartnerFactory()
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        partner.declared_revenue_12m_eur = 10_000
        partner.save()
        partner_apply_evaluation(partner=partner)
    with time_machine.travel(at(date(2026, 6, 1)), tick=False):
        make_deliver_ready(partner, on=date(2026, 6, 1))
        partner_apply_evaluation(partner=partner)
        partner_apply_evaluation(partner=partner)  # nothing changes: no new period
    periods = list(
        TierPeriod.objects.filter(partner=partner).values_list(
            "tier__code", "started_on", "ended_on"
        )
    )
    assert periods == [
        ("sell", date(2026, 3, 2), date(2026, 6, 1)),
        ("deliver", date(2026, 6, 1), None),
    ]


def test_backfill_opens_a_period_for_partners_holding_a_tier_without_one():
    sell = Tier.objects.get(code="sell")
    partner = PartnerFactory(tier=sell, tier_since=date(2025, 5, 5))
    assert tier_periods_backfill() == 1
    assert tier_periods_backfill() == 0
    assert TierPeriod.objects.get(partner=partner).started_on == date(2025, 5, 5)


def test_partners_per_tier_at_each_month_end():
    tiers = {t.code: t for t in Tier.objects.all()}
    early, late, lost = PartnerFactory(), PartnerFactory(), PartnerFactory()
    TierPeriod.objects.bulk_create(
        [
            TierPeriod(partner=early, tier=tiers["sell"], started_on=date(2026, 1, 10), ended_on=date(2026, 4, 1)),
            TierPeriod(partner=early, tier=tiers["deliver"], started_on=date(2026, 4, 1)),
            TierPeriod(partner=late, tier=tiers["sell"], started_on=date(2026, 3, 31)),
            # Held from February to the last day of March only.
            TierPeriod(partner=lost, tier=tiers["sell"], started_on=date(2026, 2, 1), ended_on=date(2026, 3, 31)),
        ]
    )  # fmt: skip
    with time_machine.travel(at(date(2026, 4, 15)), tick=False):
        board = programme_dashboard(Month(2026, 4), today=date(2026, 4, 15), now=timezone.now())
    months = {
        str(m.month): {t.code: (t.holding, t.at_least) for t in m.tiers}
        for m in board.tiers_over_time
    }
    assert months["2025-12"]["sell"] == (0, 0)
    assert months["2026-01"]["sell"] == (1, 1)
    assert months["2026-02"]["sell"] == (2, 2)
    # 31 March: "lost" ended that day, "late" started it.
    assert months["2026-03"]["sell"] == (2, 2)
    assert months["2026-04"]["sell"] == (1, 2)
    assert months["2026-04"]["deliver"] == (1, 1)
    assert board.tiers_over_time[-1].on == date(2026, 4, 15)


def test_pending_applications_with_their_age_and_tiers_at_risk():
    day = date(2026, 11, 20)
    with time_machine.travel(at(day - timedelta(days=6)), tick=False):
        applicant = PartnerFactory(name="Candidat Expert")
        submitted_application(applicant, partner_user(applicant))
    at_risk = PartnerFactory(name="Niveau menacé", declared_revenue_12m_eur=20_000)
    with time_machine.travel(at(day), tick=False):
        # Deliver needs 2 PL-ASE engineers: one of them expires in 30 days.
        certify(at_risk, "PL-ASE", 1, passed_on=date(2025, 1, 1), expires_on=date(2027, 1, 1))
        certify(
            at_risk, "PL-ASE", 1, passed_on=date(2024, 12, 20), expires_on=day + timedelta(days=30)
        )
        certify(at_risk, "NET-ATP", 1, passed_on=date(2025, 1, 1), expires_on=date(2027, 6, 1))
        partner_apply_evaluation(partner=at_risk)
        board = programme_dashboard(Month(2026, 11), today=day, now=timezone.now())
    assert [(p.partner, p.tier, p.age_days) for p in board.pending] == [
        ("Candidat Expert", "Expert", 6)
    ]
    risky = [r for r in board.at_risk if r.partner == "Niveau menacé"]
    assert [(r.tier_code, r.at_risk_on, r.days_left) for r in risky] == [
        ("deliver", day + timedelta(days=31), 31)
    ]


def test_sla_compliance_by_organisation_cds_first_then_the_least_compliant():
    good, poor = PartnerFactory(name="Bon"), PartnerFactory(name="Moins bon")
    with time_machine.travel(at(date(2026, 10, 20)), tick=False):
        good_cover, poor_cover = coverage_for(good), coverage_for(poor)
        day = at(date(2026, 10, 5))
        ticket_with(good_cover, opened_at=day, sla=("met", "met", "met"))
        ticket_with(poor_cover, opened_at=day, sla=("breached", "met", "running"))
        # Delivered by CDS: counts for CDS, not for the partner.
        ticket_with(poor_cover, opened_at=day, delivered_by="cds", sla=("met", "breached", "met"))
        ticket_with(good_cover, opened_at=at(date(2026, 9, 5)), sla=("breached",) * 3)  # September
        board = programme_dashboard(Month(2026, 10), today=date(2026, 10, 20), now=timezone.now())
    rows = [(o.name, o.tickets, o.met, o.breached, o.compliance_pct) for o in board.organisations]
    assert rows == [
        ("CDS (HP)", 1, 2, 1, 66.7),
        ("Moins bon", 1, 1, 1, 50.0),
        ("Bon", 1, 3, 0, 100.0),
    ]


def test_dashboard_query_count_does_not_grow_with_partners_or_tickets():
    day = date(2026, 10, 20)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            programme_dashboard(Month(2026, 10), today=day, now=timezone.now())
        return len(captured.captured_queries)

    with time_machine.travel(at(day), tick=False):
        cover = coverage_for(PartnerFactory())
        ticket_with(cover, opened_at=at(date(2026, 10, 5)), sla=("met", "met", "met"))
        tier_periods_backfill()
        few = queries()
        for _ in range(5):
            other = coverage_for(PartnerFactory())
            for hour in range(4):
                ticket_with(
                    other,
                    opened_at=at(date(2026, 10, 6), 8 + hour),
                    sla=("met", "breached", "running"),
                )
        tier_periods_backfill()
        assert Partner.objects.count() == 6
        assert queries() == few
