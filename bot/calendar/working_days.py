"""Working-day arithmetic for legal time limits ("giải quyết trong 5 ngày làm việc").

Saturdays, Sundays and Vietnam's public holidays are not working days. The holidays come from the
`holidays` package (lunar Tết, Hùng Kings' day, 30/4, 1/5, 2/9 and their observed substitutes). Each year
the government also moves days around (a bridge day off, repaid by a make-up Saturday); a deployment
declares those with DVC_EXTRA_DAYS_OFF and DVC_EXTRA_WORKING_DAYS (comma-separated ISO dates).
A declared working day wins over everything else, so a make-up Saturday counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

_SATURDAY = 5


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> Mapping[date, str]:
    """Vietnam's public holidays of one year, with their Vietnamese names (cached per year)."""
    return dict(holidays.country_holidays("VN", years=year, language="vi"))


def _as_date(day: datetime | date) -> date:
    return day.date() if isinstance(day, datetime) else day


class WorkingCalendar:
    def __init__(self, extra_days_off: Iterable[date] = (), extra_working_days: Iterable[date] = ()) -> None:
        self.extra_days_off = frozenset(_as_date(day) for day in extra_days_off)
        self.extra_working_days = frozenset(_as_date(day) for day in extra_working_days)

    def holiday_name(self, day: datetime | date) -> str | None:
        """The Vietnamese name of the public holiday on `day` ("Tết Nguyên Đán"), or None."""
        day = _as_date(day)
        return _public_holidays(day.year).get(day)

    def is_working_day(self, day: datetime | date) -> bool:
        day = _as_date(day)
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off or day.weekday() >= _SATURDAY:
            return False
        return day not in _public_holidays(day.year)

    def add_working_days(self, start: datetime | date, days: int) -> date:
        """The due date `days` working days after `start`: counting starts on the next working day, so
        1 working day after a Friday is the Monday. Negative `days` count backwards; 0 returns `start`."""
        day = _as_date(start)
        step = timedelta(days=1 if days >= 0 else -1)
        remaining = abs(days)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: datetime | date, end: datetime | date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is before `start`.
        The inverse of add_working_days; `working_days_between(due, today)` > 0 means late by that much."""
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            self.is_working_day(start + timedelta(days=offset)) for offset in range(1, (end - start).days + 1)
        )
