"""When the commune's officers are at their desks: working sessions on working days (the working-day
calendar's holidays, Tết and declared days off excluded; a declared make-up day counts), and Saturday
mornings where the commune works them. Times are the commune's clock (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from bot.calendar.working_days import WorkingCalendar
from bot.workflow.clock import VIETNAM, vietnam_time

Session = tuple[time, time]
WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_SATURDAY = 5
_LOOK_AHEAD_DAYS = 60  # longer than Tết's break with its bridge days


def parse_sessions(text: str) -> tuple[Session, ...]:
    """ "07:30-11:30,13:30-17:00" as sessions; "" as none. Raises ValueError on anything else."""
    sessions = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        start_text, separator, end_text = part.partition("-")
        if not separator:
            raise ValueError(f"a session is START-END (07:30-11:30), not {part!r}")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
        if end <= start:
            raise ValueError(f"the session {part!r} ends before it starts")
        sessions.append((start, end))
    ordered = tuple(sorted(sessions))
    for (_, end), (next_start, _) in pairwise(ordered):
        if next_start < end:
            raise ValueError(f"sessions overlap: {text!r}")
    return ordered


@dataclass(frozen=True)
class OfficeHours:
    weekdays: tuple[Session, ...]
    saturdays: tuple[Session, ...]  # empty where the commune does not work Saturday mornings
    calendar: WorkingCalendar
    # Days staffed although not working days (a weekend duty for an ID-card campaign or an election): they
    # have the weekday sessions; the time limits of dossiers do not change.
    extra_open_days: frozenset[date] = frozenset()

    def sessions_on(self, day: date) -> tuple[Session, ...]:
        if day in self.extra_open_days or self.calendar.is_working_day(day):  # make-up days count too
            return self.weekdays
        is_plain_saturday = (
            day.weekday() == _SATURDAY
            and self.calendar.holiday_name(day) is None
            and day not in self.calendar.extra_days_off
        )
        return self.saturdays if is_plain_saturday else ()

    def is_open(self, moment: datetime) -> bool:
        local = vietnam_time(moment)
        return any(start <= local.time() < end for start, end in self.sessions_on(local.date()))

    def next_opening(self, moment: datetime) -> datetime | None:
        """The start of the next session after `moment` (aware, commune's clock); None if none in 60 days."""
        local = vietnam_time(moment)
        for offset in range(_LOOK_AHEAD_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            for start, _ in self.sessions_on(day):
                opening = datetime.combine(day, start, tzinfo=VIETNAM)
                if opening > local:
                    return opening
        return None

    def closes_at(self, moment: datetime) -> datetime | None:
        """When the session `moment` falls in ends; None outside office hours."""
        local = vietnam_time(moment)
        for start, end in self.sessions_on(local.date()):
            if start <= local.time() < end:
                return datetime.combine(local.date(), end, tzinfo=VIETNAM)
        return None


def spoken_moment(moment: datetime, now: datetime) -> str:
    """ "7 giờ 30 sáng mai (thứ Hai, 07/12/2026)", "13 giờ 30 chiều nay": how a citizen is told when."""
    local, today = vietnam_time(moment), vietnam_time(now).date()
    clock = f"{local.hour} giờ {local.minute:02d}" if local.minute else f"{local.hour} giờ"
    part = "sáng" if local.hour < 12 else "chiều"
    weekday_and_date = f"{WEEKDAY_NAMES[local.weekday()]}, {local:%d/%m/%Y}"
    if local.date() == today:
        return f"{clock} {part} nay"
    if local.date() == today + timedelta(days=1):
        return f"{clock} {part} mai ({weekday_and_date})"
    return f"{clock} {part} {weekday_and_date}"
