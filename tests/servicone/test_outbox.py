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
            raise RuntimeError("worker died")  # the process dies before committing
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", crashing_send)
    with pytest.raises(RuntimeError):
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
