"""The demo programme: what someone opening the portal after ``seed_demo`` sees.

The figures come from the article: ~100 partners eligible to sell, ~30 delivering, a
"petite vingtaine" of experts. They are computed here with the eligibility engine, not
read back from the seed's own constants. The demo is seeded once for the package
(``tests/demo/conftest.py``) on a fixed day.
"""

from __future__ import annotations

import gc
from collections import Counter
from datetime import date, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.core.management import call_command

from demo.seed import DEMO_PARTNER
from partners import eligibility as engine
from partners import selectors
from partners.demo import EMAIL_DOMAIN, MONTHS, demo_plan
from partners.legacy import luhn_valid
from partners.models import Accreditation, Certification, Engineer, Partner
from partners.services import certification_expiry
from servicone.models import AuditEvent, Notification
from tests.demo.conftest import SEEDED_AT

PARIS = ZoneInfo("Europe/Paris")
TODAY = SEEDED_AT.date()

SELL_RANGE = range(90, 111)  # "près de cent"
DELIVER_RANGE = range(25, 36)  # "une trentaine"
EXPERT_RANGE = range(15, 23)  # "une petite vingtaine"


def _evaluations() -> dict[int, engine.Evaluation]:
    specs = selectors.tier_specs()
    snapshots = selectors.snapshots_for(Partner.objects.all(), on=TODAY)
    return {pk: engine.evaluate(s, specs, TODAY) for pk, s in snapshots.items()}


def _eligible_counts(evaluations: dict[int, engine.Evaluation]) -> Counter[str]:
    return Counter(t.code for e in evaluations.values() for t in e.tiers if t.eligible)


def _all_rows() -> dict[str, int]:
    labels = ("auth", "partners", "contracts", "tickets", "servicone")
    return {
        m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in labels
    }


# --- The article's figures -----------------------------------------------------------


def test_about_100_partners_may_sell_30_deliver_and_20_are_experts(demo):
    counts = _eligible_counts(_evaluations())

    assert Partner.objects.count() in range(120, 141)
    assert counts["sell"] in SELL_RANGE
    assert counts["deliver"] in DELIVER_RANGE
    assert counts["expert"] in EXPERT_RANGE


def test_every_partner_holds_the_tier_the_evaluation_gives_except_during_a_grace_period(demo):
    evaluations = _evaluations()
    in_grace = []
    for partner in Partner.objects.select_related("tier", "pending_tier"):
        highest = evaluations[partner.pk].highest_eligible
        assert highest is not None
        if partner.grace_until is None:
            assert partner.tier.code == highest.code, partner.name
        else:
            in_grace.append(partner)
            assert partner.grace_until > TODAY
            assert partner.pending_tier.code == highest.code
            assert partner.tier.rank > highest.rank

    assert len(in_grace) in (2, 3)
    held = Counter(Partner.objects.values_list("tier__code", flat=True))
    assert held["expert"] in EXPERT_RANGE
    assert held["deliver"] + held["expert"] in DELIVER_RANGE


def test_a_few_partners_are_just_below_the_10000_eur_threshold_and_see_the_gap(demo):
    evaluations = _evaluations()
    near = Partner.objects.filter(
        declared_revenue_12m_eur__gte=8500, declared_revenue_12m_eur__lt=10000
    )

    assert near.count() >= 3
    for partner in near:
        revenue = evaluations[partner.pk].tier("sell").criteria[0]
        assert not revenue.met
        assert "il manque" in revenue.message("fr").lower()


def test_a_handful_of_partners_see_their_tier_at_risk_within_60_days(demo):
    specs = selectors.tier_specs()
    snapshots = selectors.snapshots_for(Partner.objects.select_related("tier"), on=TODAY)
    at_risk = []
    for partner in Partner.objects.select_related("tier").filter(grace_until__isnull=True):
        if partner.tier.rank == 0:
            continue
        risk = engine.tier_at_risk(snapshots[partner.pk], specs, TODAY, partner.tier.code, 60)
        if risk is not None:
            at_risk.append((partner.name, risk.reason))

    assert 3 <= len(at_risk) <= 8
    assert {reason for _, reason in at_risk} == {engine.REASON_CERTIFICATION_EXPIRY}


def test_former_asp_and_psp_members_are_among_the_partners(demo):
    legacy = Counter(Partner.objects.values_list("legacy_programme", flat=True))

    assert legacy["asp"] >= 10
    assert legacy["psp"] >= 10
    assert 40 <= legacy["asp"] + legacy["psp"] <= 90


def test_six_experts_co_deliver_proactive_select(demo):
    holders = (
        Certification.objects.valid_on(TODAY)
        .filter(course__code="PS-DELIVERY", engineer__partner__tier__code="expert")
        .values("engineer__partner")
        .distinct()
        .count()
    )

    assert holders == 6


# --- Accreditations -------------------------------------------------------------------------


def test_experts_hold_an_approval_decided_by_the_programme_manager_and_audited(demo):
    approved = Accreditation.objects.filter(status="approved").select_related(
        "partner__tier", "decided_by"
    )
    experts = Partner.objects.filter(tier__code="expert")

    assert {a.partner_id for a in approved} == set(experts.values_list("pk", flat=True))
    for accreditation in approved:
        decided_on = accreditation.decided_at.astimezone(PARIS).date()
        assert accreditation.decided_by.username == "hp.programme"
        assert accreditation.valid_until >= TODAY
        assert accreditation.valid_until == decided_on + relativedelta(years=1, days=-1)
        assert accreditation.submitted_at < accreditation.decided_at
        assert accreditation.eligibility_snapshot["tiers"][-1]["eligible_but_approval"] is True
        actions = set(
            AuditEvent.objects.filter(
                object_type="partners.accreditation", object_id=accreditation.pk
            ).values_list("action", flat=True)
        )
        assert actions == {"accreditation.create", "accreditation.submit", "accreditation.approve"}


def test_expert_applications_wait_in_the_hp_queue_with_their_evaluation(demo):
    queue = Accreditation.objects.filter(status="submitted").select_related("partner__tier")

    assert queue.count() in (2, 3)
    for application in queue:
        assert application.partner.tier.code == "deliver"
        snapshot = application.eligibility_snapshot
        assert snapshot["current_tier"] == "deliver"
        expert = next(t for t in snapshot["tiers"] if t["code"] == "expert")
        assert expert["eligible_but_approval"] is True
        assert expert["eligible"] is False
        assert Notification.objects.filter(
            recipient__username="hp.programme",
            dedup_key=f"accreditation-submitted:{application.pk}",
        ).exists()


# --- Ovesys, the partner whose users log in ---------------------------------------------------


def test_ovesys_delivers_lacks_one_ci_mase_engineer_for_expert_and_sees_deliver_at_risk(demo):
    ovesys = Partner.objects.select_related("tier").get(siren=DEMO_PARTNER["siren"])
    evaluation = selectors.evaluation_for(ovesys, on=TODAY)
    expert = evaluation.tier("expert")
    missing = list(engine.unmet_prerequisites(expert))
    risk = engine.tier_at_risk(
        selectors.snapshot_for(ovesys, on=TODAY), selectors.tier_specs(), TODAY, "deliver"
    )

    assert ovesys.tier.code == "deliver"
    assert ovesys.legacy_programme == "psp"
    assert [c.code for c in missing] == ["course:CI-MASE"]
    assert missing[0].missing == "1"
    assert risk is not None
    assert TODAY < risk.at_risk_on <= TODAY + timedelta(days=60)
    assert "Thomas Girard" in risk.message("fr")
    assert Engineer.objects.get(user__username="ovesys.engineer").partner == ovesys


# --- Idempotence, determinism, data quality ------------------------------------------------


def test_seeding_again_changes_nothing(demo):
    before = _all_rows()
    tiers = dict(Partner.objects.values_list("siren", "tier__code"))

    call_command("seed_demo", "--quiet-logins")

    assert _all_rows() == before
    assert dict(Partner.objects.values_list("siren", "tier__code")) == tiers


def test_seeding_again_on_a_later_day_adds_no_certification(demo):
    before = _all_rows()

    with time_machine.travel(SEEDED_AT + timedelta(days=3), tick=False):
        call_command("seed_demo", "--quiet-logins")

    after = _all_rows()
    for label in ("partners.Partner", "partners.Engineer", "partners.Certification"):
        assert after[label] == before[label], label


def test_demo_partners_have_valid_sirens_and_unique_names_and_emails(demo):
    sirens = list(Partner.objects.values_list("siren", flat=True))
    names = list(Partner.objects.values_list("name", flat=True))
    emails = list(Engineer.objects.values_list("email", flat=True))

    assert len(set(sirens)) == len(sirens)
    assert all(luhn_valid(s) for s in sirens if s != DEMO_PARTNER["siren"])
    assert len(set(names)) == len(names)
    assert len(set(emails)) == len(emails)
    assert all(e.endswith(f".{EMAIL_DOMAIN}") for e in emails)


def test_snapshots_read_the_same_certifications_as_the_orm(demo):
    snapshots = selectors.snapshots_for(Partner.objects.all(), on=TODAY)
    expected: dict[int, set[engine.Certification]] = {}
    for cert in Certification.objects.filter(engineer__is_active=True).select_related(
        "engineer", "course"
    ):
        expected.setdefault(cert.engineer.partner_id, set()).add(
            engine.Certification(
                engineer_id=cert.engineer_id,
                engineer_name=cert.engineer.name,
                course_code=cert.course.code,
                passed_on=cert.passed_on,
                expires_on=cert.expires_on,
            )
        )

    got = {pk: set(s.certifications) for pk, s in snapshots.items() if s.certifications}
    assert got == expected
    assert all(type(c.passed_on) is date for s in snapshots.values() for c in s.certifications)


def test_snapshots_leave_the_garbage_collector_as_they_found_it(demo):
    assert gc.isenabled()
    selectors.snapshots_for(Partner.objects.all(), on=TODAY)
    assert gc.isenabled()

    gc.disable()
    try:
        selectors.snapshots_for(Partner.objects.all(), on=TODAY)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_plan_is_the_same_for_the_same_day():
    assert demo_plan(TODAY) == demo_plan(TODAY)
    assert demo_plan(TODAY) != demo_plan(TODAY + timedelta(days=1))


@pytest.mark.parametrize(
    "day", [date(2027, 2, 28), date(2028, 2, 29), date(2027, 12, 31), date(2030, 7, 14)]
)
def test_the_plan_keeps_the_article_figures_whatever_the_day(db, day):
    specs = selectors.tier_specs()
    counts: Counter[str] = Counter()
    for number, partner in enumerate(demo_plan(day), start=1):
        certifications = tuple(
            engine.Certification(
                engineer_id=number * 100 + index,
                engineer_name=engineer.name,
                course_code=cert.course,
                passed_on=cert.passed_on,
                expires_on=certification_expiry(
                    SimpleNamespace(validity_months=MONTHS[cert.course]), cert.passed_on
                ),
            )
            for index, engineer in enumerate(partner.engineers)
            for cert in engineer.certifications
        )
        approvals = ()
        if partner.application and partner.application.status == "approved":
            valid_until = partner.application.decided_on + timedelta(days=364)
            approvals = (engine.Approval(tier_code="expert", valid_until=valid_until),)
        snapshot = engine.PartnerSnapshot(
            partner_id=number,
            declared_revenue_12m_eur=partner.declared_revenue_eur,
            certifications=certifications,
            approvals=approvals,
        )
        counts.update(t.code for t in engine.evaluate(snapshot, specs, day).tiers if t.eligible)

    assert counts["sell"] in SELL_RANGE
    assert counts["deliver"] in DELIVER_RANGE
    assert counts["expert"] in EXPERT_RANGE


@pytest.mark.django_db
def test_a_partners_tier_history_is_the_same_whatever_its_key_in_the_database():
    # On PostgreSQL a sequence is not rolled back: what ran before the seeding on a test
    # process moved every key, and with them the past derived from the key (the pilot's
    # "since last year" held for about four keys in ten).
    from partners.demo.seeding import _seed_tier_history
    from partners.models import Tier, TierPeriod

    today = date(2026, 12, 2)
    tiers = {t.code: t for t in Tier.objects.all()}

    def seeded_past(skipped_keys: int) -> list[tuple[str, date, date | None]]:
        for _ in range(skipped_keys):
            Partner.objects.create(name="Clé consommée").delete()
        partners = [
            Partner.objects.create(name=name, siren=siren, tier=tiers[code])
            for name, siren, code in (
                # Not a demo partner's (theirs are 300,000,000 to 899,999,999).
                ("Pilote", "990000011", "deliver"),
                ("Autre", "990000029", "expert"),
            )
        ]
        for partner in partners:
            TierPeriod.objects.create(partner=partner, tier=partner.tier, started_on=today)
        _seed_tier_history(partners, tiers, today, pilot=partners[0])
        past = [
            (period.partner.name, period.tier.code, period.started_on, period.ended_on)
            for period in TierPeriod.objects.filter(partner__in=partners).order_by(
                "partner__name", "started_on"
            )
        ]
        for partner in partners:
            partner.delete()
        return past

    first = seeded_past(0)
    assert seeded_past(7) == first
    assert seeded_past(3) == first
    pilot = [p for p in first if p[0] == "Pilote"]
    assert [code for _, code, _, _ in pilot] == ["sell", "deliver"]
    assert pilot[-1][2] == today - timedelta(days=559)  # the longest in the demo
    assert pilot[-1][3] is None
