"""The monthly digest: last month's scorecard to each partner admin, once, by Celery beat."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reports.services import scorecard_digests_send
from reports.tasks import send_monthly_digests
from servicone.beat import BEAT_SCHEDULE
from servicone.models import Notification
from tests.partners.factories import PartnerFactory, partner_user
from tests.reports.factories import coverage_for, ticket_with

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def digests():
    return Notification.objects.filter(kind="scorecard_digest").order_by("recipient__username")


def test_beat_runs_the_digest_job_daily():
    entry = BEAT_SCHEDULE["reports-monthly-digest"]
    assert entry["task"] == send_monthly_digests.name


def test_nothing_before_the_first_working_day_then_one_digest_per_admin_once(
    partner, partner_admin
):
    second_admin = partner_user(partner, username="admin2")
    partner_user(partner, role="sales", username="sales1")
    partner_user(PartnerFactory(is_active=False), username="inactive-admin")
    with time_machine.travel(datetime(2026, 10, 20, 10, tzinfo=PARIS), tick=False):
        cover = coverage_for(partner)
        ticket_with(
            cover,
            opened_at=datetime(2026, 10, 5, 9, tzinfo=PARIS),
            acknowledged=30,
            sla=("met", "breached", "running"),
        )
    # 1 November 2026 is a Sunday and All Saints' Day: the first working day is the 2nd.
    with time_machine.travel(datetime(2026, 11, 1, 7, 30, tzinfo=PARIS), tick=False):
        assert send_monthly_digests() == {"month": None, "sent": 0, "more": False}
    with time_machine.travel(datetime(2026, 11, 2, 7, 30, tzinfo=PARIS), tick=False):
        assert send_monthly_digests() == {"month": "2026-10", "sent": 2, "more": False}
        assert send_monthly_digests() == {"month": "2026-10", "sent": 0, "more": False}
    with time_machine.travel(datetime(2026, 11, 3, 7, 30, tzinfo=PARIS), tick=False):
        assert scorecard_digests_send(today=date(2026, 11, 3))["sent"] == 0
    sent = list(digests())
    assert sorted(n.recipient_id for n in sent) == sorted([partner_admin.pk, second_admin.pk])
    digest = sent[0]
    # Issue 15, finding 9: « de Ovesys » is « d'Ovesys ».
    assert digest.subject == f"ServiceOne : tableau de bord 2026-10 d'{partner.name}"
    assert "- Prise en charge : 1 respectés, 0 dépassés, 0 en cours (100,0 %)" in digest.body
    assert "- Intervention sur site : 0 respectés, 1 dépassés, 0 en cours (0,0 %)" in digest.body
    assert "médiane 30,0 min" in digest.body
    assert "1 tickets : 1 délivrés par vous, 0 par le CDS" in digest.body
    assert digest.link.endswith("month=2026-10")


def test_a_missed_first_working_day_is_caught_up_later_in_the_month(partner, partner_admin):
    with time_machine.travel(datetime(2027, 1, 6, 7, 30, tzinfo=PARIS), tick=False):
        assert send_monthly_digests() == {"month": "2026-12", "sent": 1, "more": False}
    assert digests().get().recipient == partner_admin


def test_partners_are_sent_in_bounded_batches_until_none_is_left(partner, partner_admin):
    others = [PartnerFactory() for _ in range(2)]
    for other in others:
        partner_user(other)
    with time_machine.travel(datetime(2026, 12, 1, 7, 30, tzinfo=PARIS), tick=False):
        first = scorecard_digests_send(today=date(2026, 12, 1), batch_size=2)
        second = scorecard_digests_send(today=date(2026, 12, 1), batch_size=2)
        third = scorecard_digests_send(today=date(2026, 12, 1), batch_size=2)
    assert (first["sent"], first["more"]) == (2, True)
    assert (second["sent"], second["more"]) == (1, False)
    assert third["sent"] == 0
    assert digests().count() == 3


def test_the_task_queues_itself_again_while_partners_are_left(partner, partner_admin, monkeypatch):
    from reports import services

    partner_user(PartnerFactory())
    monkeypatch.setattr(services, "DIGEST_BATCH", 1)
    with time_machine.travel(datetime(2026, 12, 1, 7, 30, tzinfo=PARIS), tick=False):
        # Celery runs eagerly in the tests: the re-queued run happens at once.
        result = send_monthly_digests()
    assert result["sent"] == 1
    assert digests().count() == 2


# --- One bad partner holds back no other -----------------------------------------------------


@pytest.fixture
def poisoned_scorecard(monkeypatch):
    """Make the scorecard of the partners in the returned set raise (a bug, bad data)."""
    from reports import selectors

    poisoned: set[int] = set()
    scorecard = selectors.partner_scorecard

    def failing(partner, month, *, today):
        if partner.pk in poisoned:
            raise RuntimeError("broken scorecard")
        return scorecard(partner, month, today=today)

    monkeypatch.setattr(selectors, "partner_scorecard", failing)
    return poisoned


def test_a_partner_whose_digest_fails_is_counted_logged_and_the_others_are_sent(
    partner, partner_admin, poisoned_scorecard, caplog
):
    bad = PartnerFactory(name="Cassé SA")
    partner_user(bad, username="bad.admin")
    good = PartnerFactory()
    partner_user(good, username="good.admin")
    poisoned_scorecard.add(bad.pk)

    with time_machine.travel(datetime(2026, 12, 1, 7, 30, tzinfo=PARIS), tick=False):
        result = send_monthly_digests()

    assert result == {"month": "2026-11", "sent": 2, "failed": 1, "more": False}
    assert sorted(n.recipient.username for n in digests()) == ["good.admin", "p.admin"]
    failures = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in failures] == [
        f"scorecard digest 2026-11 of partner {bad.pk} failed; retried at the next run: "
        "RuntimeError: broken scorecard"
    ]


def test_a_digest_that_failed_is_sent_at_the_next_run(partner, partner_admin, poisoned_scorecard):
    poisoned_scorecard.add(partner.pk)
    with time_machine.travel(datetime(2026, 12, 1, 7, 30, tzinfo=PARIS), tick=False):
        assert send_monthly_digests() == {"month": "2026-11", "sent": 0, "failed": 1, "more": False}
    poisoned_scorecard.clear()
    with time_machine.travel(datetime(2026, 12, 2, 7, 30, tzinfo=PARIS), tick=False):
        assert send_monthly_digests() == {"month": "2026-11", "sent": 1, "more": False}
    assert digests().get().recipient == partner_admin


def test_failing_partners_take_no_place_in_the_batch(partner, partner_admin, poisoned_scorecard):
    # The failing partners come first (lowest ids): a batch still sends its size of digests,
    # so that however many partners fail, the run reaches the others.
    bad = [partner, *(PartnerFactory() for _ in range(2))]
    for other in bad[1:]:
        partner_user(other)
    good = [PartnerFactory() for _ in range(3)]
    for other in good:
        partner_user(other)
    poisoned_scorecard.update(p.pk for p in bad)

    with time_machine.travel(datetime(2026, 12, 1, 7, 30, tzinfo=PARIS), tick=False):
        first = scorecard_digests_send(today=date(2026, 12, 1), batch_size=2)
        second = scorecard_digests_send(today=date(2026, 12, 1), batch_size=2)

    assert first == {"month": "2026-11", "sent": 2, "failed": 3, "more": True}
    assert second == {"month": "2026-11", "sent": 1, "failed": 3, "more": False}
    assert {n.partner_id for n in digests()} == {p.pk for p in good}
