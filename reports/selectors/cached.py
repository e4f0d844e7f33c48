"""The heavy figures, computed at most once every few minutes and shared by every process.

A partner's scorecard reads a year of its tickets; HP's dashboard and ranking read the
whole programme's. Over a million tickets each takes one to three seconds of the
database: computed on every request, a few HP staff and partner admins on these pages
take the two cores from everyone else (issue 12's load test). So the pages and the API
read them through here: from the shared cache (Redis in production, so every web process
and machine shares one computation), computed again at most every
``REPORT_CACHE_SECONDS`` per partner, month, day and language, and the pages say when they
were computed. ``REPORT_CACHE_SECONDS=0`` (the development default) computes them on every
request. The monthly digest reads the selectors directly: always fresh.

A cache that fails (Redis away) costs the computation, never the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from partners.models import Partner
from reports.periods import Month
from reports.selectors.dashboard import Dashboard, programme_dashboard
from reports.selectors.ranking import PartnerRank, partner_ranking
from reports.selectors.scorecard import Scorecard, partner_scorecard

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Part of every key: raise it when a cached dataclass changes shape, so that a new
#: release never reads what an older one wrote (both run side by side in a rolling restart).
SHAPE = 1


@dataclass(frozen=True)
class Computed(Generic[T]):
    """Figures and the moment they were computed."""

    figures: T
    at: datetime


def refresh_minutes() -> int:
    """How often the cached figures are computed again, in whole minutes (0: every request)."""
    return -(-settings.REPORT_CACHE_SECONDS // 60)


def _cached(name: str, parts: tuple[object, ...], compute: Callable[[], T]) -> Computed[T]:
    seconds = settings.REPORT_CACHE_SECONDS
    if seconds <= 0:
        return Computed(compute(), timezone.now())
    key = ":".join(["reports", str(SHAPE), name, get_language() or "", *map(str, parts)])
    try:
        hit = cache.get(key)
    except Exception:  # the cache is a shortcut: without it, compute
        log.warning("report cache unavailable for %s; computing", name, exc_info=True)
        hit = None
    if isinstance(hit, Computed):
        return hit
    computed = Computed(compute(), timezone.now())
    try:
        cache.set(key, computed, seconds)
    except Exception:
        log.warning("report cache unavailable for %s; not kept", name, exc_info=True)
    return computed


def scorecard(partner: Partner, month: Month, *, today: date) -> Computed[Scorecard]:
    """``partner_scorecard``, shared for a few minutes (the same for the partner and for HP)."""
    return _cached(
        "scorecard",
        (partner.pk, month, today),
        lambda: partner_scorecard(partner, month, today=today),
    )


def ranking(last: Month, *, sort: str) -> Computed[tuple[PartnerRank, ...]]:
    """``partner_ranking``, shared for a few minutes (HP staff only read it)."""
    return _cached("ranking", (last, sort), lambda: partner_ranking(last, sort=sort))


def dashboard(month: Month, *, today: date) -> Computed[Dashboard]:
    """``programme_dashboard``, shared for a few minutes (HP staff only read it)."""
    return _cached(
        "dashboard",
        (month, today),
        lambda: programme_dashboard(month, today=today, now=timezone.now()),
    )
