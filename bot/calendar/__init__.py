"""Working days (ngày làm việc) in Vietnam: weekends, public holidays (lunar Tết included), local changes."""

from bot.calendar.working_days import WorkingCalendar, calendar_from_env

__all__ = ["WorkingCalendar", "calendar_from_env"]
