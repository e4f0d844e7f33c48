"""The sliding-window-counter throttles: DRF's limits, constant work per request.

Each rule holds on the embedded default's cache (local memory: the cache API, four calls a
request) and on the production cache (Redis: one script, one round trip a request; run where
a Redis server is, the PostgreSQL + Redis run).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache as default_cache

from servicone.api.throttling import UserRateThrottle
from servicone.cache import RedisCache


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@contextmanager
def redis_cache() -> Iterator[RedisCache]:
    """The portal's Redis cache on the run's Redis server, under a key prefix of its own."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail("this test needs CELERY_BROKER_URL=redis://… (the PostgreSQL + Redis run)")
    made = RedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": uuid.uuid4().hex})
    try:
        yield made
    finally:
        client = made._cache.get_client(write=True)
        for key in client.scan_iter(f"{made.key_prefix}:*"):
            client.delete(key)


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
def counters(request):
    """The cache the throttles count in: the default one, or the portal's Redis cache."""
    if request.param == "local":
        default_cache.clear()
        yield default_cache
    else:
        with redis_cache() as made:
            yield made


@pytest.fixture
def throttle(counters):
    def made(clock: Clock, rate: str = "10/minute") -> UserRateThrottle:
        limiter = UserRateThrottle.__new__(UserRateThrottle)
        limiter.rate = rate
        limiter.num_requests, limiter.duration = limiter.parse_rate(rate)
        limiter.timer = clock
        limiter.cache = counters
        return limiter

    return made


REQUEST = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=42))


def test_the_limit_holds_within_a_window_and_says_when_to_retry(throttle):
    clock = Clock(6_000_000.0)  # the start of a one-minute window
    allowed = [throttle(clock).allow_request(REQUEST, None) for _ in range(10)]
    assert allowed == [True] * 10
    refused = throttle(clock)
    assert refused.allow_request(REQUEST, None) is False
    assert refused.wait() == pytest.approx(60.0)


def test_the_previous_window_weighs_by_how_much_of_it_is_still_inside(throttle):
    clock = Clock(6_000_000.0)
    for _ in range(10):
        assert throttle(clock).allow_request(REQUEST, None)
    # Half-way through the next window, half of the previous 10 still count: 5 more pass.
    clock.now += 90
    results = [throttle(clock).allow_request(REQUEST, None) for _ in range(6)]
    assert results == [True] * 5 + [False]
    # Two windows later the old requests no longer count.
    clock.now += 120
    assert throttle(clock).allow_request(REQUEST, None)


def test_the_retry_delay_is_when_the_previous_window_has_decayed_enough(throttle):
    clock = Clock(6_000_000.0)
    for _ in range(10):
        throttle(clock).allow_request(REQUEST, None)
    clock.now += 60 + 6  # 10% into the next window: 9 of the 10 still count, 1 more passes
    assert throttle(clock).allow_request(REQUEST, None)
    refused = throttle(clock)
    assert refused.allow_request(REQUEST, None) is False
    # 10 × (1 − (6 + t)/60) + 1 < 10  ⇔  t > 0: the next tenth of a window frees one more.
    assert refused.wait() == pytest.approx(0.0, abs=1e-9)
    clock.now += 6
    assert throttle(clock).allow_request(REQUEST, None)


def test_other_users_have_their_own_counters(throttle):
    clock = Clock(6_000_000.0)
    for _ in range(10):
        throttle(clock).allow_request(REQUEST, None)
    other = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=43))
    assert throttle(clock).allow_request(other, None)
    assert not throttle(clock).allow_request(REQUEST, None)


def test_the_api_answers_429_in_the_error_format_with_retry_after(admin_api, monkeypatch):
    default_cache.clear()
    monkeypatch.setattr(
        UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "60/minute"}
    )
    for _ in range(3):
        assert admin_api.get("/api/v1/me/").status_code == 200
    response = admin_api.get("/api/v1/me/")
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.redis
def test_the_redis_counter_is_read_back_by_the_cache_and_lives_two_windows():
    clock = Clock(6_000_000.0)
    with redis_cache() as counters:
        for _ in range(3):
            limiter = UserRateThrottle.__new__(UserRateThrottle)
            limiter.rate = "10/minute"
            limiter.num_requests, limiter.duration = 10, 60
            limiter.timer, limiter.cache = clock, counters
            assert limiter.allow_request(REQUEST, None)
        key = f"throttle_user_42:{6_000_000 // 60}"
        assert counters.get(key) == 3  # written by the script, read by the cache API
        client = counters._cache.get_client(write=True)
        assert 60 < client.ttl(counters.make_and_validate_key(key)) <= 120
        # One Redis client serves every call (Django's built one per call).
        assert counters._cache.get_client(write=False) is client
