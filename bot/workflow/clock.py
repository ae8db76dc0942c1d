"""The processing clock of a dossier in working days: due date, paused while waiting for a supplement,
restarted in full when the supplement arrives, late by how many working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from bot.calendar.working_days import WorkingCalendar
from bot.db.times import as_utc

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
CLOSING_HOUR = 17  # a due date means the end of that working day in Vietnam


def vietnam_time(moment: datetime) -> datetime:
    """`moment` on the commune's clock, for every date or time a citizen or officer reads (a naive datetime,
    as SQLite hands them back, is UTC: never the server's local time)."""
    return as_utc(moment).astimezone(VIETNAM)


def local_date(moment: datetime) -> date:
    return vietnam_time(moment).date()


def end_of_working_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, CLOSING_HOUR, tzinfo=VIETNAM).astimezone(timezone.utc)


def restarted_due_at(now: datetime, working_days: int, calendar: WorkingCalendar) -> datetime:
    """When a complete dossier arrives again, the whole time limit counts from the next working day."""
    return end_of_working_day(calendar.add_working_days(local_date(now), max(1, working_days)))


@dataclass(frozen=True)
class Timing:
    due_date: date | None
    paused: bool  # waiting for the citizen's supplement: not counted as late meanwhile
    finished: bool  # the result has been decided
    late_working_days: int  # > 0: late by that many working days (at decision time when finished)
    remaining_working_days: int | None  # while in progress and not late

    @property
    def is_late(self) -> bool:
        return self.late_working_days > 0


def timing(
    *,
    due_at: datetime | None,
    completed_at: datetime | None,
    clock_paused_at: datetime | None,
    now: datetime,
    calendar: WorkingCalendar,
) -> Timing:
    if due_at is None:
        return Timing(None, clock_paused_at is not None, completed_at is not None, 0, None)
    due_at = as_utc(due_at)
    due_day = local_date(due_at)
    if completed_at is not None:
        late = 0
        if as_utc(completed_at) > due_at:  # late at all counts as at least one working day
            late = max(1, calendar.working_days_between(due_day, local_date(completed_at)))
        return Timing(due_day, False, True, late, None)
    if clock_paused_at is not None:
        return Timing(due_day, True, False, 0, None)
    if as_utc(now) > due_at:
        late = max(1, calendar.working_days_between(due_day, local_date(now)))
        return Timing(due_day, False, False, late, None)
    return Timing(due_day, False, False, 0, max(0, calendar.working_days_between(local_date(now), due_day)))
