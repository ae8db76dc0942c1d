"""The periods the analytics page shows: the last 30 days, 12 weeks (Monday to Sunday) or 12 months, each
bucket a span of the commune's calendar (Vietnam time), the last one containing today."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from bot.workflow.clock import VIETNAM

DAY, WEEK, MONTH = "day", "week", "month"
GRANULARITIES = (DAY, WEEK, MONTH)
COUNTS = {DAY: 30, WEEK: 12, MONTH: 12}
LABELS = {DAY: "ngày", WEEK: "tuần", MONTH: "tháng"}


@dataclass(frozen=True)
class Bucket:
    label: str  # "01/12", "tuần 30/11", "12/2026"
    first_day: date
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VIETNAM).astimezone(timezone.utc)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def buckets(granularity: str, today: date, count: int | None = None) -> list[Bucket]:
    """The `count` periods ending with the one that holds `today` (a date on the commune's calendar)."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")
    count = count or COUNTS[granularity]
    if granularity == DAY:
        firsts = [today - timedelta(days=back) for back in range(count - 1, -1, -1)]
        ends = [first + timedelta(days=1) for first in firsts]
        labels = [first.strftime("%d/%m") for first in firsts]
    elif granularity == WEEK:
        monday = today - timedelta(days=today.weekday())
        firsts = [monday - timedelta(weeks=back) for back in range(count - 1, -1, -1)]
        ends = [first + timedelta(weeks=1) for first in firsts]
        labels = [f"tuần {first:%d/%m}" for first in firsts]
    else:
        firsts = [date(today.year, today.month, 1)]
        for _ in range(count - 1):
            previous = firsts[0] - timedelta(days=1)
            firsts.insert(0, date(previous.year, previous.month, 1))
        ends = [_next_month(first) for first in firsts]
        labels = [f"{first:%m/%Y}" for first in firsts]
    return [
        Bucket(label, first, _utc(first), _utc(end))
        for label, first, end in zip(labels, firsts, ends, strict=True)
    ]


def local_today(now: datetime) -> date:
    return now.astimezone(VIETNAM).date()


class BucketIndex:
    """Which bucket a moment falls in (None: outside them all)."""

    def __init__(self, spans: list[Bucket]) -> None:
        self._starts = [bucket.start.timestamp() for bucket in spans]
        self._end = spans[-1].end.timestamp() if spans else 0.0

    def of(self, timestamp: float) -> int | None:
        if not self._starts or timestamp < self._starts[0] or timestamp >= self._end:
            return None
        return bisect_right(self._starts, timestamp) - 1
