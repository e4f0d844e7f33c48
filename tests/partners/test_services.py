"""Programme services: certifications, revenue, tier assignment, accreditations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners import selectors
from partners.models import Accreditation, Certification, Course, Partner, Tier, TierPeriod
from partners.services import (
    accreditation_apply,
    accreditation_approve,
    accreditation_create,
    accreditation_reject,
    accreditation_withdraw,
    certification_create,
    certification_expiry,
    engineer_create,
    partner_apply_evaluation,
    partner_create,
    partner_set_declared_revenue,
    partner_update,
    partners_evaluate_all,
)
from servicone.errors import DomainError, NotAllowed, StateConflict
from servicone.models import AuditEvent, Notification
from tests.partners.factories import (
    EngineerFactory,
    PartnerFactory,
    certify,
    make_deliver_ready,
    make_expert_ready,
    submitted_application,
)

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


# --- Certifications ------------------------------------------------------------------


def test_a_certification_expires_after_the_courses_validity(partner, partner_admin):
    engineer = EngineerFactory(partner=partner)
    course = Course.objects.get(code="PL-ASE")  # 24 months
    cert = certification_create(
        engineer=engineer, course=course, passed_on=date(2026, 1, 31), actor=partner_admin
    )
    assert cert.expires_on == date(2028, 1, 30)
    assert AuditEvent.objects.filter(action="certification.create", object_id=cert.pk).exists()


def test_expiry_of_a_month_end_pass_is_clamped():
    course = Course(validity_months=1)
    assert certification_expiry(course, date(2027, 1, 31)) == date(2027, 2, 27)


def test_a_pass_date_in_the_future_is_refused_and_nothing_is_created(partner, partner_admin):
    engineer = EngineerFactory(partner=partner)
    with pytest.raises(DomainError) as error:
        certification_create(
            engineer=engineer,
            course=Course.objects.get(code="PL-ASE"),
            passed_on=date(2026, 11, 27),
            actor=partner_admin,
        )
    assert error.value.code == "passed_in_future"
    assert error.value.field == "passed_on"
    assert not Certification.objects.exists()


def test_a_pass_dated_today_is_accepted(partner, partner_admin):
    engineer = EngineerFactory(partner=partner)
    cert = certification_create(
        engineer=engineer,
        course=Course.objects.get(code="PL-ASE"),
        passed_on=TODAY,
        actor=partner_admin,
    )
    assert cert.is_valid_on(TODAY)


def test_a_duplicate_active_certification_is_refused(partner, partner_admin):
    engineer = EngineerFactory(partner=partner)
    course = Course.objects.get(code="PL-ASE")
    certification_create(
        engineer=engineer, course=course, passed_on=date(2026, 1, 5), actor=partner_admin
    )
    with pytest.raises(DomainError) as error:
        certification_create(
            engineer=engineer, course=course, passed_on=date(2026, 6, 1), actor=partner_admin
        )
    assert error.value.code == "duplicate_certification"
    assert Certification.objects.count() == 1


def test_a_renewal_in_the_last_90_days_of_validity_is_accepted(partner, partner_admin):
    engineer = EngineerFactory(partner=partner)
    course = Course.objects.get(code="PL-ASE")
    first = certification_create(
        engineer=engineer, course=course, passed_on=date(2024, 12, 20), actor=partner_admin
    )
    assert first.expires_on == date(2026, 12, 19)
    renewal = certification_create(
        engineer=engineer, course=course, passed_on=TODAY, actor=partner_admin
    )
    assert renewal.expires_on == date(2028, 11, 25)


def test_an_engineer_needs_a_name(partner, partner_admin):
    with pytest.raises(DomainError) as error:
        engineer_create(partner=partner, name="  ", actor=partner_admin)
    assert error.value.field == "name"


# --- Declared revenue -----------------------------------------------------------------


def test_only_a_programme_manager_may_change_declared_revenue(partner, partner_admin):
    with pytest.raises(NotAllowed):
        partner_set_declared_revenue(
            partner=partner, amount_eur=Decimal("50000"), actor=partner_admin
        )
    partner.refresh_from_db()
    assert partner.declared_revenue_12m_eur == Decimal("0.00")


def test_every_declared_revenue_change_is_audited_with_before_and_after(partner, programme_manager):
    partner_set_declared_revenue(
        partner=partner, amount_eur=Decimal("10000.00"), actor=programme_manager
    )
    event = AuditEvent.objects.get(action="partner.declared_revenue")
    assert event.actor == programme_manager
    assert event.data == {"before": "0.00", "after": "10000.00"}


def test_declared_revenue_of_9999_99_misses_sell_and_10000_meets_it(partner, programme_manager):
    partner_set_declared_revenue(
        partner=partner, amount_eur=Decimal("9999.99"), actor=programme_manager
    )
    assert not selectors.evaluation_for(partner).tier("sell").eligible
    partner_set_declared_revenue(
        partner=partner, amount_eur=Decimal("10000.00"), actor=programme_manager
    )
    assert selectors.evaluation_for(partner).tier("sell").eligible


def test_a_negative_declared_revenue_is_refused(partner, programme_manager):
    with pytest.raises(DomainError):
        partner_set_declared_revenue(
            partner=partner, amount_eur=Decimal("-1"), actor=programme_manager
        )


# --- Tier assignment ---------------------------------------------------------------------


def test_a_partner_meeting_deliver_is_granted_it(partner):
    make_deliver_ready(partner, on=date(2026, 1, 1))
    decision = partner_apply_evaluation(partner=partner)
    partner.refresh_from_db()
    assert decision.action == "upgrade"
    assert partner.tier.code == "deliver"
    assert partner.tier_since == TODAY
    assert AuditEvent.objects.filter(action="tier.upgrade", partner=partner).exists()


def test_expert_is_never_granted_without_approval(partner):
    make_expert_ready(partner, on=date(2026, 1, 1))
    partner_apply_evaluation(partner=partner)
    partner.refresh_from_db()
    assert partner.tier.code == "deliver"


def test_losing_deliver_starts_a_grace_period_with_one_notification(
    partner, partner_admin, settings
):
    settings.TIER_GRACE_DAYS = 90
    make_deliver_ready(partner, on=date(2026, 1, 1))
    partner_apply_evaluation(partner=partner)
    Certification.objects.filter(course__code="NET-ATP").delete()

    partner_apply_evaluation(partner=partner)
    partner_apply_evaluation(partner=partner)  # the nightly job runs again: nothing new

    partner.refresh_from_db()
    assert partner.tier.code == "deliver"
    assert partner.pending_tier.code == "sell"
    assert partner.grace_until == date(2027, 2, 24)
    notes = Notification.objects.filter(recipient=partner_admin, kind="tier_grace")
    assert notes.count() == 1
    assert "période de grâce jusqu'au 24/02/2027" in notes.get().subject


def test_grace_reminders_30_and_7_days_before_the_end_are_sent_once_each(partner, partner_admin):
    make_deliver_ready(partner, on=date(2026, 1, 1))
    partner_apply_evaluation(partner=partner)
    Certification.objects.filter(course__code="NET-ATP").delete()
    partner_apply_evaluation(partner=partner)  # grace until 2027-02-24
    for day in (
        date(2027, 1, 20),
        date(2027, 1, 25),
        date(2027, 1, 26),
        date(2027, 2, 17),
        date(2027, 2, 18),
    ):
        partner_apply_evaluation(partner=partner, today=day)
    subjects = list(
        Notification.objects.filter(recipient=partner_admin, kind="tier_grace").values_list(
            "subject", flat=True
        )
    )
    assert len(subjects) == 3
    assert sum("plus que 30 jours" in s for s in subjects) == 1
    assert sum("plus que 7 jours" in s for s in subjects) == 1


def test_the_downgrade_happens_when_the_grace_ends(partner):
    make_deliver_ready(partner, on=date(2026, 1, 1))
    partner_apply_evaluation(partner=partner)
    Certification.objects.filter(course__code="NET-ATP").delete()
    partner_apply_evaluation(partner=partner)
    partner_apply_evaluation(partner=partner, today=date(2027, 2, 23))
    partner.refresh_from_db()
    assert partner.tier.code == "deliver"
    partner_apply_evaluation(partner=partner, today=date(2027, 2, 24))
    partner.refresh_from_db()
    assert partner.tier.code == "sell"
    assert partner.grace_until is None
    assert partner.pending_tier is None


def test_recovering_during_the_grace_cancels_it(partner):
    make_deliver_ready(partner, on=date(2026, 1, 1))
    partner_apply_evaluation(partner=partner)
    Certification.objects.filter(course__code="NET-ATP").delete()
    partner_apply_evaluation(partner=partner)
    certify(partner, "NET-ATP", 1, passed_on=TODAY)
    partner_apply_evaluation(partner=partner)
    partner.refresh_from_db()
    assert partner.grace_until is None
    assert partner.tier.code == "deliver"


def test_the_nightly_evaluation_upgrades_and_only_writes_changes(partner, other_partner):
    make_deliver_ready(partner, on=date(2026, 1, 1))
    counts = partners_evaluate_all()
    assert counts == {"upgrade": 2}
    assert partners_evaluate_all() == {"keep": 2}
    partner.refresh_from_db()
    other_partner.refresh_from_db()
    assert (partner.tier.code, other_partner.tier.code) == ("deliver", "registered")


def _partner_writes(queries) -> list[str]:
    """The statements of ``queries`` that write partner rows."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith(("UPDATE", "INSERT", "DELETE")) and '"partners_partner"' in q["sql"]
    ]


def test_the_nightly_evaluation_of_unchanged_partners_takes_the_same_queries_for_2_or_12(
    db, django_assert_num_queries
):
    PartnerFactory.create_batch(2)
    partners_evaluate_all()  # every partner gets Registered, then nothing changes
    with django_assert_num_queries(9):
        assert partners_evaluate_all() == {"keep": 2}
    PartnerFactory.create_batch(10)
    partners_evaluate_all()
    with django_assert_num_queries(9):
        assert partners_evaluate_all() == {"keep": 12}


def test_the_nightly_evaluation_writes_no_partner_whose_outcome_is_unchanged(partner):
    unchanged = PartnerFactory.create_batch(3)
    partners_evaluate_all()
    make_deliver_ready(partner, on=date(2026, 1, 1))

    with CaptureQueriesContext(connection) as ctx:
        assert partners_evaluate_all() == {"upgrade": 1, "keep": 3}

    writes = _partner_writes(ctx.captured_queries)
    assert len(writes) == 1  # one bulk update, of the partner that moves up only
    assert writes[0].endswith(f'WHERE "partners_partner"."id" IN ({partner.pk})')
    for other in unchanged:
        other.refresh_from_db()
        assert other.tier.code == "registered"
    with CaptureQueriesContext(connection) as ctx:
        assert partners_evaluate_all() == {"keep": 4}
    assert _partner_writes(ctx.captured_queries) == []


def test_the_nightly_evaluation_stamps_the_evaluation_date_of_unchanged_partners_in_one_update(
    partner, other_partner
):
    partners_evaluate_all()
    with (
        time_machine.travel("2026-11-27 03:00 +01:00", tick=False),
        CaptureQueriesContext(connection) as ctx,
    ):
        assert partners_evaluate_all() == {"keep": 2}
    writes = _partner_writes(ctx.captured_queries)
    assert len(writes) == 1
    assert writes[0].startswith('UPDATE "partners_partner" SET "evaluated_on"')
    assert set(Partner.objects.values_list("evaluated_on", flat=True)) == {date(2026, 11, 27)}


def test_the_nightly_evaluation_audits_notifies_and_records_periods_like_a_single_evaluation(
    partner, partner_admin, settings
):
    settings.TIER_GRACE_DAYS = 90
    make_deliver_ready(partner, on=date(2026, 1, 1))
    assert partners_evaluate_all() == {"upgrade": 1}
    upgrade = AuditEvent.objects.get(action="tier.upgrade", partner=partner)
    assert upgrade.data == {"before": None, "after": "deliver", "on": "2026-11-26"}
    assert list(
        TierPeriod.objects.filter(partner=partner).values_list("tier__code", "ended_on")
    ) == [("deliver", None)]
    changed = Notification.objects.get(recipient=partner_admin, kind="tier_changed")
    assert changed.subject == f"ServiceOne : {partner.name} passe au niveau Deliver"
    # Issue 15, finding 9: « Le niveau de Ovesys passe de « — » à … » no longer.
    assert changed.body == f"{partner.name} obtient le niveau « Deliver »."

    Certification.objects.filter(course__code="NET-ATP").delete()
    assert partners_evaluate_all() == {"start_grace": 1}
    assert partners_evaluate_all() == {"in_grace": 1}  # the job runs again: nothing new
    started = AuditEvent.objects.get(action="tier.grace_started", partner=partner)
    assert started.data == {"tier": "deliver", "pending": "sell", "grace_until": "2027-02-24"}
    grace = Notification.objects.get(recipient=partner_admin, kind="tier_grace")
    assert "période de grâce jusqu'au 24/02/2027" in grace.subject
    assert "le niveau passera à « sell » le 24/02/2027" in grace.body

    assert partners_evaluate_all(today=date(2027, 1, 25)) == {"in_grace": 1}
    assert partners_evaluate_all(today=date(2027, 1, 26)) == {"in_grace": 1}
    reminders = Notification.objects.filter(
        recipient=partner_admin, kind="tier_grace", subject__contains="plus que 30 jours"
    )
    assert reminders.count() == 1

    assert partners_evaluate_all(today=date(2027, 2, 24)) == {"downgrade": 1}
    partner.refresh_from_db()
    assert (partner.tier.code, partner.grace_until, partner.pending_tier) == ("sell", None, None)
    assert list(
        TierPeriod.objects.filter(partner=partner)
        .order_by("started_on")
        .values_list("tier__code", "started_on", "ended_on")
    ) == [("deliver", TODAY, date(2027, 2, 24)), ("sell", date(2027, 2, 24), None)]


def test_a_certification_recorded_through_the_service_reevaluates_the_tier(
    partner, partner_admin, django_capture_on_commit_callbacks
):
    make_deliver_ready(partner, on=date(2026, 1, 1))
    Certification.objects.filter(course__code="NET-ATP").delete()
    engineer = EngineerFactory(partner=partner)
    with django_capture_on_commit_callbacks(execute=True):
        certification_create(
            engineer=engineer,
            course=Course.objects.get(code="NET-ATP"),
            passed_on=TODAY,
            actor=partner_admin,
        )
    partner.refresh_from_db()
    assert partner.tier.code == "deliver"


# --- Accreditations -----------------------------------------------------------------------


@pytest.fixture
def expert_ready(partner):
    make_expert_ready(partner, on=date(2026, 1, 1))
    partner_apply_evaluation(partner=partner)
    return partner


def test_submitting_stores_the_evaluation_snapshot(expert_ready, partner_admin):
    application = submitted_application(expert_ready, partner_admin)
    assert application.status == Accreditation.Status.SUBMITTED
    expert = next(t for t in application.eligibility_snapshot["tiers"] if t["code"] == "expert")
    assert expert["eligible_but_approval"] is True
    assert application.submitted_by == partner_admin


def test_a_programme_manager_approves_and_the_partner_becomes_expert_for_12_months(
    expert_ready, partner_admin, programme_manager
):
    application = submitted_application(expert_ready, partner_admin)
    approved = accreditation_approve(
        accreditation=application, actor=programme_manager, comment="Dossier complet"
    )
    expert_ready.refresh_from_db()
    assert approved.status == Accreditation.Status.APPROVED
    assert approved.valid_until == date(2027, 11, 25)
    assert expert_ready.tier.code == "expert"
    event = AuditEvent.objects.get(action="accreditation.approve")
    assert event.actor == programme_manager
    assert event.data["comment"] == "Dossier complet"
    assert event.data["snapshot"]["partner"] == expert_ready.pk


def test_approval_is_refused_while_one_criterion_is_unmet(
    expert_ready, partner_admin, programme_manager
):
    application = submitted_application(expert_ready, partner_admin)
    Certification.objects.filter(course__code="CI-MASE").delete()
    with pytest.raises(DomainError) as error:
        accreditation_approve(accreditation=application, actor=programme_manager)
    assert error.value.code == "prerequisites_unmet"
    assert "CI-MASE" in str(error.value.message) or "convergées" in str(error.value.message)
    application.refresh_from_db()
    assert application.status == Accreditation.Status.SUBMITTED
    expert_ready.refresh_from_db()
    assert expert_ready.tier.code == "deliver"


def test_partner_users_cannot_decide(expert_ready, partner_admin):
    application = submitted_application(expert_ready, partner_admin)
    with pytest.raises(NotAllowed):
        accreditation_approve(accreditation=application, actor=partner_admin)


def test_rejection_needs_a_comment_and_is_audited(expert_ready, partner_admin, programme_manager):
    application = submitted_application(expert_ready, partner_admin)
    with pytest.raises(DomainError) as error:
        accreditation_reject(accreditation=application, actor=programme_manager, comment=" ")
    assert error.value.code == "comment_required"
    rejected = accreditation_reject(
        accreditation=application, actor=programme_manager, comment="Audit terrain à prévoir"
    )
    assert rejected.status == Accreditation.Status.REJECTED
    assert AuditEvent.objects.filter(
        action="accreditation.reject", object_id=application.pk
    ).exists()
    assert Notification.objects.filter(
        recipient=partner_admin, kind="accreditation_decided"
    ).exists()


def test_deciding_twice_is_a_conflict(expert_ready, partner_admin, programme_manager):
    application = submitted_application(expert_ready, partner_admin)
    accreditation_approve(accreditation=application, actor=programme_manager)
    with pytest.raises(StateConflict):
        accreditation_reject(accreditation=application, actor=programme_manager, comment="non")


def test_only_one_open_application_per_tier(expert_ready, partner_admin):
    accreditation_create(
        partner=expert_ready, tier=Tier.objects.get(code="expert"), actor=partner_admin
    )
    with pytest.raises(StateConflict):
        accreditation_create(
            partner=expert_ready, tier=Tier.objects.get(code="expert"), actor=partner_admin
        )


def test_automatic_tiers_need_no_application(partner, partner_admin):
    with pytest.raises(DomainError) as error:
        accreditation_create(
            partner=partner, tier=Tier.objects.get(code="deliver"), actor=partner_admin
        )
    assert error.value.code == "approval_not_required"


def test_a_partner_admin_may_withdraw_but_not_twice(expert_ready, partner_admin):
    application = submitted_application(expert_ready, partner_admin)
    withdrawn = accreditation_withdraw(accreditation=application, actor=partner_admin)
    assert withdrawn.status == Accreditation.Status.WITHDRAWN
    with pytest.raises(StateConflict):
        accreditation_withdraw(accreditation=application, actor=partner_admin)


def test_an_expired_accreditation_starts_the_grace_on_expert(
    expert_ready, partner_admin, programme_manager
):
    application = submitted_application(expert_ready, partner_admin)
    accreditation_approve(accreditation=application, actor=programme_manager)
    partner_apply_evaluation(partner=expert_ready, today=date(2027, 11, 25))
    expert_ready.refresh_from_db()
    assert expert_ready.grace_until is None
    partner_apply_evaluation(partner=expert_ready, today=date(2027, 11, 26))
    expert_ready.refresh_from_db()
    assert expert_ready.tier.code == "expert"
    assert expert_ready.pending_tier is not None


def test_notification_emails_leave_through_the_outbox_once(
    expert_ready, partner_admin, programme_manager
):
    from servicone.tasks import send_notification_emails

    submitted_application(expert_ready, partner_admin)
    assert send_notification_emails() == 1
    assert send_notification_emails() == 0
    assert len(mail.outbox) == 1
    assert "demande d'accréditation Expert" in mail.outbox[0].subject


def test_partner_model_keeps_grace_fields_consistent(partner):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.filter(pk=partner.pk).update(grace_until=TODAY)


def test_partner_user_create_makes_the_login_its_membership_and_an_audit_line(
    partner, partner_admin
):
    from partners.services import partner_user_create
    from servicone.models import AuditEvent

    user = partner_user_create(
        partner=partner,
        username="nouvel.ingenieur",
        email="ni@example.test",
        password="Un-mot-de-passe-2026",
        role="engineer",
        actor=partner_admin,
    )
    assert user.check_password("Un-mot-de-passe-2026")
    assert (user.membership.partner, user.membership.role) == (partner, "engineer")
    assert AuditEvent.objects.filter(
        action="membership.create", object_id=user.membership.pk
    ).exists()


def test_partner_user_create_refuses_a_taken_username_and_creates_nothing(partner, partner_admin):
    from django.contrib.auth import get_user_model

    from partners.models import Membership
    from partners.services import partner_user_create

    before = Membership.objects.count()
    with pytest.raises(DomainError) as refused:
        partner_user_create(
            partner=partner,
            username=partner_admin.username,
            email="x@example.test",
            password="Un-mot-de-passe-2026",
            role="sales",
            actor=partner_admin,
        )
    assert (refused.value.code, refused.value.field) == ("unique", "username")
    assert Membership.objects.count() == before
    assert get_user_model().objects.filter(username=partner_admin.username).count() == 1


# --- Partners -----------------------------------------------------------------------------


def test_partner_create_audits_the_partner_and_its_declared_revenue_and_grants_its_tier(
    programme_manager,
):
    partner = partner_create(
        actor=programme_manager,
        name="Nouveau SAS",
        siren="732829320",
        declared_revenue_12m_eur=Decimal("10000.00"),
    )
    assert partner.tier.code == "sell"
    actions = list(
        AuditEvent.objects.filter(partner=partner).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["partner.create", "partner.declared_revenue", "tier.upgrade"]


def test_partner_create_refuses_a_siren_taken_and_creates_nothing(programme_manager, partner):
    before = Partner.objects.count()
    with pytest.raises(DomainError) as refused:
        partner_create(actor=programme_manager, name="Doublon", siren=partner.siren)
    assert (refused.value.code, refused.value.field) == ("unique", "siren")
    assert Partner.objects.count() == before


def test_partner_update_audits_only_what_changed(programme_manager, partner):
    partner_update(partner=partner, actor=programme_manager, name=partner.name, city="Lyon")
    event = AuditEvent.objects.get(action="partner.update", partner=partner)
    assert event.data == {"changes": {"city": ["Paris", "Lyon"]}}
    partner_update(partner=partner, actor=programme_manager, city="Lyon")
    assert AuditEvent.objects.filter(action="partner.update").count() == 1


def test_only_a_programme_manager_may_create_or_edit_a_partner(partner, partner_admin):
    with pytest.raises(NotAllowed):
        partner_create(actor=partner_admin, name="X")
    with pytest.raises(NotAllowed):
        partner_update(partner=partner, actor=partner_admin, city="Lyon")


# --- Applying from « Mon programme » -------------------------------------------------------


def test_accreditation_apply_submits_an_application_with_its_snapshot(expert_ready, partner_admin):
    application = accreditation_apply(
        partner=expert_ready, tier=Tier.objects.get(code="expert"), actor=partner_admin
    )
    assert application.status == Accreditation.Status.SUBMITTED
    assert application.eligibility_snapshot["partner"] == expert_ready.pk
    assert list(
        AuditEvent.objects.filter(action__startswith="accreditation.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["accreditation.create", "accreditation.submit"]


def test_accreditation_apply_with_unmet_criteria_creates_nothing(partner, partner_admin):
    with pytest.raises(DomainError) as refused:
        accreditation_apply(
            partner=partner, tier=Tier.objects.get(code="expert"), actor=partner_admin
        )
    assert refused.value.code == "prerequisites_unmet"
    assert not Accreditation.objects.exists()
