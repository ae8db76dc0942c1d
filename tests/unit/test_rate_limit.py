"""The sliding-window rate limiter, with an injected clock."""

from __future__ import annotations

import pytest

from bot.limits.rate import RateDecision, SlidingWindowLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_the_limit_holds_within_any_window_not_per_fixed_interval(clock):
    limiter = SlidingWindowLimiter(3, 60, clock)
    for offset in (0, 20, 40):
        clock.now = 1000 + offset
        assert limiter.hit("1.2.3.4").allowed
    clock.now = 1059
    refused = limiter.hit("1.2.3.4")
    assert not refused.allowed and refused.retry_after == pytest.approx(1)
    clock.now = 1060  # the first hit has left the window
    assert limiter.hit("1.2.3.4").allowed
    assert not limiter.hit("1.2.3.4").allowed  # hits at 20, 40 and 60 are in the window
    clock.now = 1080
    assert limiter.hit("1.2.3.4").allowed


def test_refused_hits_do_not_count(clock):
    limiter = SlidingWindowLimiter(2, 10, clock)
    limiter.hit("k"), limiter.hit("k")
    for step in range(9):
        clock.now = 1000 + step
        assert not limiter.hit("k").allowed
    clock.now = 1010
    assert limiter.hit("k").allowed


def test_keys_are_counted_separately_and_reset(clock):
    limiter = SlidingWindowLimiter(1, 60, clock)
    assert limiter.hit("a").allowed and limiter.hit("b").allowed
    assert not limiter.hit("a").allowed
    limiter.reset("a")
    assert limiter.hit("a").allowed


def test_peek_counts_nothing(clock):
    limiter = SlidingWindowLimiter(1, 60, clock)
    assert limiter.peek("a").allowed and limiter.peek("a").allowed
    limiter.hit("a")
    clock.now += 15
    assert limiter.peek("a") == RateDecision(False, 45.0)


def test_retry_after_for_http_is_whole_seconds_rounded_up():
    assert RateDecision(False, 0.2).retry_after_seconds == 1
    assert RateDecision(False, 59.0).retry_after_seconds == 59
    assert RateDecision(False, 59.01).retry_after_seconds == 60
    assert RateDecision(True, 0.0).retry_after_seconds == 0


def test_memory_is_bounded_and_idle_keys_are_forgotten(clock):
    limiter = SlidingWindowLimiter(5, 60, clock, max_keys=3)
    for key in "abcd":
        limiter.hit(key)
    assert len(limiter) == 3  # "a", the least recently seen, went first
    assert limiter.peek("a").allowed
    clock.now += 61
    limiter.hit("e")
    assert len(limiter) == 1


def test_nonsense_limits_are_refused():
    with pytest.raises(ValueError):
        SlidingWindowLimiter(0, 60)
    with pytest.raises(ValueError):
        SlidingWindowLimiter(5, 0)
