"""The notifications page and the unread count in the header."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from servicone.models import Notification

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def make(user, n=1, *, link="/programme/", read=False, subject="Sujet"):
    made = []
    for i in range(n):
        made.append(
            Notification.objects.create(
                recipient=user,
                kind="test",
                dedup_key=f"{subject}-{i}-{Notification.objects.count()}",
                subject=f"{subject} {i}",
                body=f"Corps du message {i}\nDeuxième ligne",
                link=link,
                created_at=NOW - timedelta(hours=n - i),
                read_at=NOW if read else None,
            )
        )
    return made


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_header_shows_the_unread_count_and_hides_it_at_zero(client, partner_admin):
    client.force_login(partner_admin)
    assert 'data-testid="unread-count"' not in text(client.get("/"))
    make(partner_admin, 3)
    make(partner_admin, 2, read=True)
    page = text(client.get("/"))
    assert 'data-testid="unread-count" aria-label="3 non lue(s)">3</span>' in page


def test_the_list_shows_only_my_notifications_newest_first(client, partner_admin, other_admin):
    make(partner_admin, 2, subject="Pour moi")
    make(other_admin, 1, subject="Pour un autre")
    client.force_login(partner_admin)
    page = text(client.get("/notifications/"))
    assert "<h1>Notifications</h1>" in page
    assert page.index("Pour moi 1") < page.index("Pour moi 0")
    assert "Pour un autre" not in page
    assert "Corps du message 0<br>Deuxième ligne" in page
    assert "26/11/2026 08:00" in page


def test_the_unread_filter_and_the_empty_states(client, partner_admin):
    make(partner_admin, 1, subject="Déjà lue", read=True)
    client.force_login(partner_admin)
    page = text(client.get("/notifications/", {"unread": "1"}))
    assert "Aucune notification non lue." in page
    assert "Déjà lue" not in page
    Notification.objects.all().delete()
    assert "Aucune notification pour l'instant." in text(client.get("/notifications/"))


def test_marking_one_read_keeps_the_first_read_time(client, partner_admin):
    [notification] = make(partner_admin)
    client.force_login(partner_admin)
    response = client.post(f"/notifications/{notification.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    notification.refresh_from_db()
    assert notification.read_at == NOW
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        client.post(f"/notifications/{notification.pk}/read/")
    notification.refresh_from_db()
    assert notification.read_at == NOW


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, partner_admin):
    [notification] = make(partner_admin, link="/programme/accreditations/")
    client.force_login(partner_admin)
    response = client.post(f"/notifications/{notification.pk}/read/", {"open": "1"})
    assert response["Location"] == "/programme/accreditations/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_an_external_link_is_never_followed(client, partner_admin):
    [notification] = make(partner_admin, link="https://evil.example/")
    client.force_login(partner_admin)
    response = client.post(f"/notifications/{notification.pk}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_another_users_notification_is_404_and_stays_unread(client, partner_admin, other_admin):
    [theirs] = make(other_admin)
    client.force_login(partner_admin)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_is_post_only(client, partner_admin):
    [notification] = make(partner_admin)
    client.force_login(partner_admin)
    assert client.get(f"/notifications/{notification.pk}/read/").status_code == 405
    assert client.get("/notifications/read-all/").status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_all_marks_only_my_notifications(client, partner_admin, other_admin):
    make(partner_admin, 3)
    [theirs] = make(other_admin)
    client.force_login(partner_admin)
    response = client.post("/notifications/read-all/", follow=True)
    assert not Notification.objects.filter(recipient=partner_admin, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert 'data-testid="unread-count"' not in text(response)


def test_the_list_is_paginated(client, partner_admin):
    make(partner_admin, 25)
    client.force_login(partner_admin)
    page = text(client.get("/notifications/"))
    assert page.count('data-testid="notification"') == 20
    assert "Page 1 sur 2" in page
    page = text(client.get("/notifications/", {"page": "2"}))
    assert page.count('data-testid="notification"') == 5


def test_the_page_is_in_english_when_asked(client, partner_admin):
    client.force_login(partner_admin)
    client.cookies["django_language"] = "en"
    page = text(client.get("/notifications/"))
    assert "No notifications yet." in page


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_query_count_does_not_grow_with_notifications(
    client, partner_admin, django_assert_num_queries
):
    make(partner_admin, 3)
    client.force_login(partner_admin)
    with django_assert_num_queries(5):
        client.get("/notifications/")
    make(partner_admin, 17)
    with django_assert_num_queries(5):
        client.get("/notifications/")
