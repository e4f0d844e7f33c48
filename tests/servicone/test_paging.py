"""``servicone.paging``: counts that stop at a bound, pages that stay exact."""

from __future__ import annotations

import pytest
from django.core.paginator import EmptyPage
from django.db import connection

from servicone.models import Notification
from servicone.paging import EstimatedCountPaginator, bounded_count
from tests.partners.factories import UserFactory


@pytest.fixture
def notifications(db):
    user = UserFactory()
    Notification.objects.bulk_create(
        Notification(recipient=user, kind="k", dedup_key=str(i), subject="s", body="b")
        for i in range(12)
    )
    return Notification.objects.filter(recipient=user).order_by("-id")


def test_a_count_within_the_bound_is_exact(notifications):
    assert bounded_count(notifications, limit=20) == (12, True)
    assert bounded_count(notifications, limit=12) == (12, True)


def test_a_count_past_the_bound_is_exact_on_sqlite_and_estimated_on_postgresql(notifications):
    # PostgreSQL answers the planner's estimate past the bound (never below the bound, and
    # said not to be exact); SQLite has none to give, so it counts.
    count, exact = bounded_count(notifications, limit=5)
    if connection.vendor == "postgresql":
        assert (count >= 6, exact) == (True, False)
    else:
        assert (count, exact) == (12, True)


def test_the_paginator_pages_as_django_does(notifications):
    paginator = EstimatedCountPaginator(notifications, 5)
    assert paginator.count == 12
    assert paginator.num_pages == 3
    last = paginator.page(3)
    assert [n.dedup_key for n in last] == ["1", "0"]
    assert not last.has_next()
    with pytest.raises(EmptyPage):
        paginator.page(4)


class _Estimated(EstimatedCountPaginator):
    """What PostgreSQL's estimate does past the bound: a count that is not exact."""

    def __init__(self, rows, per_page, estimate):
        super().__init__(rows, per_page)
        self.__dict__["_counted"] = (estimate, False)


def test_a_short_estimate_still_reaches_every_page_and_settles_at_the_end(notifications):
    paginator = _Estimated(notifications, 5, estimate=6)
    second = paginator.page(2)
    assert len(second) == 5
    assert second.has_next()
    third = _Estimated(notifications, 5, estimate=6).page(3)
    assert [n.dedup_key for n in third] == ["1", "0"]
    assert not third.has_next()
    assert third.paginator.count == 12


def test_a_long_estimate_refuses_a_page_past_the_real_end(notifications):
    paginator = _Estimated(notifications, 5, estimate=1000)
    assert not paginator.page(3).has_next()
    with pytest.raises(EmptyPage):
        _Estimated(notifications, 5, estimate=1000).page(4)
