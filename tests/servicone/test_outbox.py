"""The notification outbox: every notification e-mailed once, even across crashes."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from servicone.models import Notification
from servicone.notify import notify
from servicone.tasks import send_notification_emails
from tests.partners.factories import UserFactory


@pytest.fixture
def three(db):
    users = [UserFactory(username=f"dest{i}") for i in range(3)]
    notify(recipients=users, kind="test", dedup_key="k1", subject="Objet", body="Corps")
    return users


def test_each_notification_is_emailed_once_with_its_own_message_id(three):
    assert send_notification_emails() == 3
    assert send_notification_emails() == 0
    ids = {m.extra_headers["Message-ID"] for m in mail.outbox}
    assert len(mail.outbox) == len(ids) == 3
    assert Notification.objects.filter(email_sent_at__isnull=True).count() == 0


def test_notifying_twice_with_the_same_key_creates_nothing_new(three):
    assert notify(recipients=three, kind="test", dedup_key="k1", subject="Objet", body="Corps") == 0
    assert Notification.objects.count() == 3


def test_a_crash_in_the_middle_neither_loses_nor_duplicates_a_message(three, monkeypatch):
    real_send = EmailMessage.send
    calls = {"n": 0}

    def crashing_send(self, fail_silently=False):
        calls["n"] += 1
        if calls["n"] == 2:
            # The process dies before committing (a kill, the hard time limit): not an
            # error of this message, which the outbox would count and retry later.
            raise SystemExit("worker died")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", crashing_send)
    with pytest.raises(SystemExit):
        send_notification_emails()
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(email_sent_at__isnull=False).count() == 1

    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert send_notification_emails() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in three)


def test_an_smtp_failure_is_counted_and_retried_later(three, monkeypatch):
    def refused(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", refused)
    assert send_notification_emails() == 0
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {1}
    monkeypatch.undo()
    assert send_notification_emails() == 3


def test_the_email_ends_with_the_absolute_link_to_the_page(db, settings):
    settings.PORTAL_URL = "https://portail.example.fr"
    user = UserFactory(username="lien")
    notify(
        recipients=[user],
        kind="test",
        dedup_key="k-link",
        subject="Objet",
        body="Votre tableau de bord est prêt.",
        link="/reports/scorecard/?month=2026-10",
    )
    notify(recipients=[user], kind="test", dedup_key="k-nolink", subject="Objet", body="Sans lien")
    send_notification_emails()
    bodies = sorted(m.body for m in mail.outbox)
    assert bodies == [
        "Sans lien\n",
        "Votre tableau de bord est prêt.\n\nhttps://portail.example.fr/reports/scorecard/?month=2026-10\n",
    ]


# --- One bad message never stops the mail -------------------------------------------------


def test_a_subject_with_line_breaks_is_sent_on_one_line_without_the_injected_header(db):
    user = UserFactory(username="dest-evil")
    notify(
        recipients=[user],
        kind="test",
        dedup_key="k-evil",
        subject="Renouvellement : Evil\r\nBcc: victim@evil.example",
        body="Corps",
    )

    assert send_notification_emails() == 1
    (message,) = mail.outbox
    assert message.subject == "Renouvellement : Evil Bcc: victim@evil.example"
    assert message.bcc == []
    assert "\nBcc:" not in message.message().as_string()


def test_an_old_row_with_a_broken_header_no_longer_blocks_the_queue(db):
    # Written before subjects were cleaned at the source: the outbox cleans it too.
    first, second = UserFactory(username="dest-a"), UserFactory(username="dest-b")
    Notification.objects.create(
        recipient=first, kind="t", dedup_key="a", subject="Evil\r\nBcc: x@evil.example", body="b"
    )
    Notification.objects.create(recipient=second, kind="t", dedup_key="b", subject="Ok", body="b")

    assert send_notification_emails() == 2
    assert sorted(m.subject for m in mail.outbox) == ["Evil Bcc: x@evil.example", "Ok"]


@pytest.fixture
def poisoned(db, monkeypatch):
    """Three messages; sending the one to ``dest1`` raises, whatever the error."""
    users = [UserFactory(username=f"dest{i}") for i in range(3)]
    notify(recipients=users, kind="test", dedup_key="k1", subject="Objet", body="Corps")
    real_send = EmailMessage.send

    def send(self, fail_silently=False):
        if self.to == [users[1].email]:
            raise ValueError("header refused")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", send)
    return users


def test_a_message_that_fails_is_counted_and_the_rest_of_the_queue_goes_on(poisoned):
    assert send_notification_emails() == 2

    bad = Notification.objects.get(recipient=poisoned[1])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([poisoned[0].email, poisoned[2].email])
    assert (bad.email_sent_at, bad.email_attempts) == (None, 1)


def test_a_failing_message_is_retried_with_backoff_then_given_up_and_hp_told(
    poisoned, programme_manager
):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from servicone.outbox import EMAIL_MAX_ATTEMPTS, EMAIL_RETRY_DELAYS

    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        send_notification_emails()  # attempt 1, sends the two good ones
        for delay in EMAIL_RETRY_DELAYS:
            clock.move_to(timezone.now() + delay - timedelta(seconds=1))
            send_notification_emails()  # too early: not tried
            clock.move_to(timezone.now() + timedelta(seconds=1))
            send_notification_emails()
        bad = Notification.objects.get(recipient=poisoned[1])
        assert bad.email_attempts == EMAIL_MAX_ATTEMPTS == 5
        assert bad.email_sent_at is None

        clock.move_to(timezone.now() + timedelta(days=1))
        assert send_notification_emails() == 0  # given up: never tried again
    assert Notification.objects.get(pk=bad.pk).email_attempts == 5
    alert = Notification.objects.get(recipient=programme_manager, kind="email_dead_letter")
    assert alert.subject == "E-mail non distribué après 5 tentatives"
    assert f"n° {bad.pk}" in alert.body
    assert "ValueError: header refused" in alert.body
    assert len(mail.outbox) == 2  # the alert is not e-mailed
