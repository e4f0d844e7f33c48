"""How notifications leave by e-mail: one e-mail per page per run, or a manager's digest."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone

from servicone.beat import BEAT_SCHEDULE
from servicone.errors import NotAllowed
from servicone.models import Notification, NotificationPreference
from servicone.notify import notify
from servicone.outbox import EMAIL_MAX_ATTEMPTS, EMAIL_RETRY_DELAYS
from servicone.services import notification_preference_set
from servicone.tasks import send_email_digests, send_notification_emails

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def tell(user, key, *, link="/tickets/7/", subject=None):
    notify(
        recipients=[user],
        kind="test",
        dedup_key=key,
        subject=subject or f"Objet {key}",
        body=f"Corps {key}",
        link=link,
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- Immediate e-mails ------------------------------------------------------------------


def test_a_persons_notifications_about_the_same_page_leave_in_one_email(partner_admin, settings):
    settings.PORTAL_URL = "https://portail.example.fr"
    tell(partner_admin, "a")
    tell(partner_admin, "b")
    tell(partner_admin, "c", link="/programme/")

    assert send_notification_emails() == 2

    by_subject = {m.subject: m for m in mail.outbox}
    merged = by_subject["Objet a (et 1 autre notification)"]
    assert merged.body == (
        "Objet a\nCorps a\n\nObjet b\nCorps b\n\nhttps://portail.example.fr/tickets/7/\n"
    )
    assert "Objet c" in by_subject
    assert not Notification.objects.filter(email_sent_at__isnull=True).exists()


# --- Digests ----------------------------------------------------------------------------


def test_a_manager_on_an_hourly_digest_gets_one_email_an_hour_and_each_notification_once(
    partner_admin, settings
):
    settings.PORTAL_URL = "https://portail.example.fr"
    notification_preference_set(user=partner_admin, email_frequency="hourly")
    tell(partner_admin, "a")
    tell(partner_admin, "b", link="/programme/")

    assert send_notification_emails() == 0  # held for the digest
    assert send_email_digests("daily") == 0  # not theirs
    assert send_email_digests("hourly") == 1

    (digest,) = mail.outbox
    assert digest.to == [partner_admin.email]
    assert digest.subject == "Résumé ServiceOne : 2 notifications"
    assert digest.body == (
        "Objet a\nCorps a\n\nhttps://portail.example.fr/tickets/7/\n\n"
        "Objet b\nCorps b\n\nhttps://portail.example.fr/programme/\n"
    )
    assert send_email_digests("hourly") == 0
    assert send_notification_emails() == 0
    assert len(mail.outbox) == 1


def test_going_back_to_immediate_sends_what_waited_at_the_next_outbox_run(cds_dispatcher):
    notification_preference_set(user=cds_dispatcher, email_frequency="daily")
    tell(cds_dispatcher, "a")
    assert send_notification_emails() == 0

    notification_preference_set(user=cds_dispatcher, email_frequency="immediate")

    assert send_notification_emails() == 1


def test_others_keep_their_immediate_emails_while_a_manager_waits_for_a_digest(
    partner_admin, partner_engineer
):
    notification_preference_set(user=partner_admin, email_frequency="daily")
    tell(partner_admin, "a")
    tell(partner_engineer, "a")

    assert send_notification_emails() == 1
    assert mail.outbox[0].to == [partner_engineer.email]


def test_a_digest_that_fails_is_retried_with_backoff_then_given_up_and_hp_told(
    programme_manager, cds_dispatcher, monkeypatch, clock
):
    notification_preference_set(user=cds_dispatcher, email_frequency="hourly")
    tell(cds_dispatcher, "a")
    tell(cds_dispatcher, "b")

    def refused(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", refused)
    assert send_email_digests("hourly") == 0
    for delay in EMAIL_RETRY_DELAYS:
        clock.move_to(timezone.now() + delay + timedelta(minutes=1))
        send_email_digests("hourly")
    rows = Notification.objects.filter(recipient=cds_dispatcher)
    assert set(rows.values_list("email_attempts", flat=True)) == {EMAIL_MAX_ATTEMPTS}
    alert = Notification.objects.get(recipient=programme_manager, kind="email_dead_letter")
    assert "ConnectionRefusedError: smtp down" in alert.body


def test_only_managers_may_choose_a_digest(partner_engineer, partner_sales, cds_engineer):
    for person in (partner_engineer, partner_sales, cds_engineer):
        with pytest.raises(NotAllowed):
            notification_preference_set(user=person, email_frequency="daily")
        assert notification_preference_set(user=person, email_frequency="immediate") == "immediate"


def test_the_digests_run_on_beat_hourly_and_every_morning():
    hourly = BEAT_SCHEDULE["notifications-digest-hourly"]
    daily = BEAT_SCHEDULE["notifications-digest-daily"]

    assert hourly["task"] == daily["task"] == "servicone.tasks.send_email_digests"
    assert hourly["kwargs"] == {"frequency": "hourly"}
    assert hourly["schedule"] == crontab(minute=0)
    assert daily["kwargs"] == {"frequency": "daily"}
    assert daily["schedule"] == crontab(hour=7, minute=0)


# --- The preference page and the API ----------------------------------------------------


def test_a_manager_chooses_a_daily_digest_on_the_preference_page(client, cds_dispatcher):
    client.force_login(cds_dispatcher)
    page = text(client.get("/notifications/preferences/"))
    assert "Envoi des notifications" in page
    assert "Un résumé par jour (7 h)" in page

    response = client.post("/notifications/preferences/", {"email_frequency": "daily"})

    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=cds_dispatcher).email_frequency == "daily"
    assert "Vos préférences d'envoi sont enregistrées." in text(client.get(response.url))


def test_the_preference_page_reads_in_english(client, partner_admin):
    client.force_login(partner_admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = text(client.get("/notifications/preferences/"))
    assert "E-mailing of notifications" in page
    assert "One digest a day (7 am)" in page
    assert "Envoi" not in page


def test_the_notifications_page_links_managers_to_their_preferences(
    client, partner_admin, partner_engineer
):
    client.force_login(partner_admin)
    assert 'data-testid="preferences-link"' in text(client.get("/notifications/"))
    client.force_login(partner_engineer)
    assert 'data-testid="preferences-link"' not in text(client.get("/notifications/"))
    assert client.get("/notifications/preferences/").status_code == 403


def test_the_api_reads_and_sets_the_callers_email_frequency(admin_api, engineer_api):
    url = "/api/v1/me/notification-preferences/"
    assert admin_api.get(url).json() == {"email_frequency": "immediate", "may_choose_digest": True}

    assert admin_api.put(url, {"email_frequency": "hourly"}, format="json").json() == {
        "email_frequency": "hourly",
        "may_choose_digest": True,
    }

    refused = engineer_api.put(url, {"email_frequency": "hourly"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "digest_not_allowed"
    bad = admin_api.put(url, {"email_frequency": "weekly"}, format="json")
    assert bad.status_code == 400


def test_what_waits_for_a_digest_is_not_counted_as_outbox_backlog(partner_admin, partner_engineer):
    from servicone.observability import outbox_backlog

    notification_preference_set(user=partner_admin, email_frequency="daily")
    tell(partner_admin, "a")
    tell(partner_engineer, "b")

    backlog = {metric.name: metric.samples[0].value for metric in outbox_backlog()}

    assert backlog["servicone_email_outbox_backlog"] == 1
