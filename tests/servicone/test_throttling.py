"""The sliding-window-counter throttles: DRF's limits, constant work per request."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from servicone.api.throttling import UserRateThrottle


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, rate: str = "10/minute") -> UserRateThrottle:
    made = UserRateThrottle.__new__(UserRateThrottle)
    made.rate = rate
    made.num_requests, made.duration = made.parse_rate(rate)
    made.timer = clock
    return made


REQUEST = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=42))


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def test_the_limit_holds_within_a_window_and_says_when_to_retry():
    clock = Clock(6_000_000.0)  # the start of a one-minute window
    allowed = [throttle(clock).allow_request(REQUEST, None) for _ in range(10)]
    assert allowed == [True] * 10
    refused = throttle(clock)
    assert refused.allow_request(REQUEST, None) is False
    assert refused.wait() == pytest.approx(60.0)


def test_the_previous_window_weighs_by_how_much_of_it_is_still_inside():
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


def test_the_retry_delay_is_when_the_previous_window_has_decayed_enough():
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


def test_other_users_have_their_own_counters():
    clock = Clock(6_000_000.0)
    for _ in range(10):
        throttle(clock).allow_request(REQUEST, None)
    other = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=43))
    assert throttle(clock).allow_request(other, None)
    assert not throttle(clock).allow_request(REQUEST, None)


def test_the_api_answers_429_in_the_error_format_with_retry_after(admin_api, monkeypatch):
    monkeypatch.setattr(
        UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "60/minute"}
    )
    for _ in range(3):
        assert admin_api.get("/api/v1/me/").status_code == 200
    response = admin_api.get("/api/v1/me/")
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1
