"""API throttles: DRF's rates and scopes, counted in constant time per request.

DRF's ``SimpleRateThrottle`` keeps the time of every request of the window in
one cached list, reads it, trims it and writes it back on each request: at the
rates integrations run (thousands a minute) that list costs more than the
request it guards. These throttles keep two counters per client instead, the
current fixed window and the previous one, and estimate the sliding window as
``previous × (share of it still inside the window) + current`` (the
"sliding window counter" of rate limiters). Same settings, same 429 and
``Retry-After`` as DRF's; the cost no longer grows with the rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.cache.backends.base import BaseCache
from rest_framework import throttling

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class SlidingWindowCounterMixin:
    """Replaces ``allow_request``/``wait`` of a ``SimpleRateThrottle`` subclass."""

    cache: BaseCache
    timer: Callable[..., float]
    rate: str | None
    num_requests: int
    duration: int
    key: str | None
    get_cache_key: Callable[[Request, APIView], str | None]

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = math.floor(now / self.duration)
        current_key, previous_key = f"{self.key}:{window}", f"{self.key}:{window - 1}"
        elapsed = now - window * self.duration
        previous_weight = 1 - elapsed / self.duration  # the share of it still inside the window
        # Two windows of life: the next window still reads this one as "previous".
        hit = getattr(self.cache, "sliding_window_hit", None)  # the Redis cache's, one round trip
        if hit is not None:
            allowed, current, previous = hit(
                current_key,
                previous_key,
                previous_weight=previous_weight,
                limit=self.num_requests,
                ttl=2 * self.duration,
            )
            if not allowed:
                self._wait = self._wait_for(current, previous, elapsed)
            return allowed
        counts = self.cache.get_many([current_key, previous_key])
        current, previous = counts.get(current_key, 0), counts.get(previous_key, 0)
        estimate = previous * previous_weight + current
        if estimate >= self.num_requests:
            self._wait = self._wait_for(current, previous, elapsed)
            return False
        if not self.cache.add(current_key, 1, timeout=2 * self.duration):
            try:
                self.cache.incr(current_key)
            except ValueError:  # expired between add and incr
                self.cache.set(current_key, 1, timeout=2 * self.duration)
        return True

    def _wait_for(self, current: int, previous: int, elapsed: float) -> float:
        """Seconds until the estimate drops below the limit, if nothing else arrives."""
        until_next_window = self.duration - elapsed
        if current >= self.num_requests or previous == 0:
            return until_next_window
        # previous × (1 − (elapsed + t) / duration) + current < limit
        t = self.duration * (1 - (self.num_requests - current) / previous) - elapsed
        return max(0.0, min(t, until_next_window))

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class AnonRateThrottle(SlidingWindowCounterMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(SlidingWindowCounterMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(SlidingWindowCounterMixin, throttling.ScopedRateThrottle):
    def allow_request(self, request: Request, view: APIView) -> bool:
        # DRF's scoped throttle reads the view's scope and rate here, then counts.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        num_requests, duration = self.parse_rate(self.rate)
        if num_requests is None or duration is None:  # the scope's rate is None: no limit
            return True
        self.num_requests, self.duration = num_requests, duration
        return super().allow_request(request, view)
