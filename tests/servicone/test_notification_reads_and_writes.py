"""The notification reads and writes behind the header count and the notifications page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from servicone.models import Notification
from servicone.selectors import unread_count, user_notifications
from servicone.services import notification_mark_read, notifications_mark_all_read

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def make(user, key, *, hours_ago=0, read=False):
    return Notification.objects.create(
        recipient=user,
        kind="test",
        dedup_key=key,
        subject=key,
        body="Corps",
        created_at=NOW - timedelta(hours=hours_ago),
        read_at=NOW if read else None,
    )


def test_an_anonymous_visitor_has_no_unread_notifications_and_costs_no_query(
    db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert unread_count(AnonymousUser()) == 0


def test_the_unread_count_is_mine_and_unread_only(partner_admin, other_admin):
    make(partner_admin, "a")
    make(partner_admin, "b", read=True)
    make(other_admin, "c")
    assert unread_count(partner_admin) == 1


def test_my_notifications_come_newest_first_and_can_be_only_the_unread(partner_admin, other_admin):
    old = make(partner_admin, "old", hours_ago=3)
    read = make(partner_admin, "read", hours_ago=2, read=True)
    new = make(partner_admin, "new", hours_ago=1)
    make(other_admin, "theirs")
    assert list(user_notifications(partner_admin)) == [new, read, old]
    assert list(user_notifications(partner_admin, only_unread=True)) == [new, old]


def test_marking_read_twice_keeps_the_first_read_time(partner_admin):
    notification = make(partner_admin, "a")
    notification_mark_read(notification=notification)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        notification_mark_read(notification=Notification.objects.get(pk=notification.pk))
    notification.refresh_from_db()
    assert notification.read_at == NOW


def test_marking_all_read_counts_only_my_unread_notifications(partner_admin, other_admin):
    make(partner_admin, "a")
    make(partner_admin, "b")
    make(partner_admin, "c", read=True)
    theirs = make(other_admin, "d")
    assert notifications_mark_all_read(recipient=partner_admin) == 2
    assert unread_count(partner_admin) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
