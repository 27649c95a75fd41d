"""gateway/ratelimit.RateLimiter: sliding-window limits, driven with an explicit clock."""

from __future__ import annotations

import pytest

from gateway.ratelimit import RateLimiter
from kernel.errors import DomainError, ErrorCode

pytestmark = pytest.mark.unit


def limited(limiter: RateLimiter, key: str, now: float) -> int:
    """Hit and expect RATE_LIMITED; return its retry_after."""
    with pytest.raises(DomainError) as exc:
        limiter.hit(key, now=now)
    err = exc.value
    assert (err.code, err.key) == (ErrorCode.RATE_LIMITED, "rate_limited")
    return err.params["retry_after"]


def test_allows_up_to_the_limit_then_refuses():
    limiter = RateLimiter(3, window_seconds=60)
    for t in (0, 1, 2):
        limiter.hit("1.2.3.4|login", now=t)
    assert limited(limiter, "1.2.3.4|login", now=3) == 57  # the first hit leaves the window at t=60


def test_refusal_renders_and_carries_retry_after():
    limiter = RateLimiter(1, window_seconds=60)
    limiter.hit("k", now=100)
    with pytest.raises(DomainError) as exc:
        limiter.hit("k", now=130)
    body = exc.value.to_json("en")["error"]
    assert body["code"] == "rate_limited"
    assert body["retry_after"] == 30
    assert body["message"] == "Too many requests; try again in 30 s"


def test_window_slides():
    limiter = RateLimiter(2, window_seconds=60)
    limiter.hit("k", now=0)
    limiter.hit("k", now=30)
    assert limited(limiter, "k", now=45) == 15
    limiter.hit("k", now=60)  # the hit at 0 has left the window
    assert limited(limiter, "k", now=61) == 29  # hits at 30 and 60 remain
    limiter.hit("k", now=90)


def test_refused_hits_are_not_counted():
    limiter = RateLimiter(1, window_seconds=10)
    limiter.hit("k", now=0)
    for t in range(1, 10):
        limited(limiter, "k", now=t)
    limiter.hit("k", now=10)  # hammering while refused doesn't extend the wait


def test_retry_after_is_at_least_one_second_and_rounds_up():
    limiter = RateLimiter(1, window_seconds=60)
    limiter.hit("k", now=0.0)
    assert limited(limiter, "k", now=59.999) == 1
    assert limited(limiter, "k", now=30.5) == 30
    assert limited(limiter, "k", now=0.0) == 60


def test_keys_are_independent():
    limiter = RateLimiter(1, window_seconds=60)
    limiter.hit("1.2.3.4|login", now=0)
    limiter.hit("5.6.7.8|login", now=0)
    limiter.hit("1.2.3.4|register", now=0)
    limited(limiter, "1.2.3.4|login", now=1)


def test_uses_the_monotonic_clock_by_default():
    limiter = RateLimiter(1, window_seconds=60)
    limiter.hit("k")
    with pytest.raises(DomainError):
        limiter.hit("k")


def test_stale_keys_are_evicted_when_full():
    limiter = RateLimiter(1, window_seconds=60, max_keys=2)
    limiter.hit("a", now=0)
    limiter.hit("b", now=0)
    limiter.hit("c", now=100)  # full: a and b are stale, so they go
    assert set(limiter._hits) == {"c"}


def test_memory_stays_bounded_under_many_fresh_keys():
    limiter = RateLimiter(1, window_seconds=60, max_keys=100)
    for i in range(1000):
        limiter.hit(f"10.0.{i // 256}.{i % 256}", now=i / 1000)
        assert len(limiter._hits) <= 100


def test_when_full_of_active_keys_the_oldest_half_is_forgotten_first():
    limiter = RateLimiter(1, window_seconds=60, max_keys=4)
    for key in "abcd":
        limiter.hit(key, now=0)
    limiter.hit("e", now=1)
    limited(limiter, "c", now=2)  # the newer half is still limited
    limited(limiter, "d", now=2)
    limited(limiter, "e", now=2)
    limiter.hit("a", now=2)  # the oldest were forgotten


def test_zero_limit_refuses_cleanly_or_is_rejected_up_front():
    try:
        limiter = RateLimiter(0)
    except ValueError:
        return
    with pytest.raises(DomainError):
        limiter.hit("k", now=0)


def test_check_refuses_at_the_limit_without_counting():
    limiter = RateLimiter(limit=2, window_seconds=60)
    for _ in range(5):
        limiter.check("probe", now=0.0)  # checking alone never fills the window
    limiter.hit("probe", now=1.0)
    limiter.check("probe", now=1.5)
    limiter.hit("probe", now=2.0)
    with pytest.raises(DomainError) as caught:
        limiter.check("probe", now=3.0)
    assert caught.value.params["retry_after"] == 58
    limiter.check("probe", now=61.5)  # the first failure left the window
