"""An in-memory sliding-window rate limiter: at most `limit` hits per key within any `window_seconds`.

Framework-free (no aiohttp) so that every entry point can use it: officers' sign-ins per client address,
later chat messages per conversation or uploads per address. The memory is per process: behind several
back-office processes each one counts on its own, which still bounds the rate to `limit` x processes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

MonotonicClock = Callable[[], float]  # seconds; only differences matter (time.monotonic by default)
DEFAULT_MAX_KEYS = 100_000


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: float  # seconds until a hit would be allowed; 0.0 when allowed

    @property
    def retry_after_seconds(self) -> int:
        """For an HTTP Retry-After header: whole seconds, rounded up, at least 1 when refused."""
        if self.allowed:
            return 0
        whole = int(self.retry_after)
        return max(1, whole if whole == self.retry_after else whole + 1)


class SlidingWindowLimiter:
    """Remembers the moments of the last `limit` allowed hits of each key (refused hits are not counted,
    so a client that keeps trying while refused is let in again as soon as its window frees up)."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        clock: MonotonicClock = time.monotonic,
        *,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window_seconds > 0")
        self.limit = limit
        self.window = float(window_seconds)
        self._clock = clock
        self._max_keys = max_keys
        self._hits: OrderedDict[Hashable, deque[float]] = OrderedDict()
        self._lock = threading.Lock()  # callers may be on the event loop or in executor threads

    def hit(self, key: Hashable) -> RateDecision:
        """Count one hit for `key` if the limit allows it; say when to come back if not."""
        with self._lock:
            now = self._clock()
            hits = self._recent(key, now)
            if len(hits) >= self.limit:
                return RateDecision(False, max(0.0, hits[0] + self.window - now))
            hits.append(now)
            self._hits[key] = hits
            self._hits.move_to_end(key)
            self._forget(now)
            return RateDecision(True, 0.0)

    def peek(self, key: Hashable) -> RateDecision:
        """What `hit` would answer now, without counting anything."""
        with self._lock:
            now = self._clock()
            hits = self._recent(key, now)
            if len(hits) >= self.limit:
                return RateDecision(False, max(0.0, hits[0] + self.window - now))
            return RateDecision(True, 0.0)

    def reset(self, key: Hashable) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def __len__(self) -> int:
        """How many keys are remembered (for tests and monitoring)."""
        return len(self._hits)

    def _recent(self, key: Hashable, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def _forget(self, now: float) -> None:
        """Bound the memory. Keys are kept in the order of their last allowed hit, so the ones whose window
        has emptied are at the front; beyond `max_keys` the least recently seen go first."""
        while self._hits:
            oldest = next(iter(self._hits.values()))
            if oldest[-1] > now - self.window and len(self._hits) <= self._max_keys:
                break
            self._hits.popitem(last=False)
