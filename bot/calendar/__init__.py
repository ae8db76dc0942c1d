"""Working days (ngày làm việc) in Vietnam: weekends, public holidays (lunar Tết included), local changes."""

from bot.calendar.working_days import WorkingCalendar

__all__ = ["WorkingCalendar"]
