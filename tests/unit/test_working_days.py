"""Working days for legal time limits: weekends, Vietnamese public holidays (lunar Tết), local changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.calendar import WorkingCalendar
from bot.settings import load_settings

CALENDAR = WorkingCalendar()

# What the `holidays` package (0.86) gives for Tết: 2026 = Mon 16 - Fri 20 Feb (eve to 4th day),
# 2027 = Thu 4 - Wed 10 Feb (29th of the lunar year to the 5th day, with the weekend inside).
TET_2026 = [date(2026, 2, day) for day in range(16, 21)]
TET_2027 = [date(2027, 2, day) for day in range(4, 11)]


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


@pytest.mark.parametrize("day", TET_2026 + TET_2027)
def test_tet_is_not_a_working_day(day: date) -> None:
    assert not CALENDAR.is_working_day(day)


def test_the_days_around_tet_2026() -> None:
    assert CALENDAR.is_working_day(date(2026, 2, 13))  # Friday before
    assert CALENDAR.is_working_day(date(2026, 2, 23))  # Monday after
    assert "Tết Nguyên Đán" in (CALENDAR.holiday_name(date(2026, 2, 17)) or "")
    working = [day for day in days(date(2026, 2, 9), date(2026, 2, 27)) if CALENDAR.is_working_day(day)]
    assert working == [date(2026, 2, day) for day in (9, 10, 11, 12, 13, 23, 24, 25, 26, 27)]


def test_the_days_around_tet_2027() -> None:
    assert CALENDAR.is_working_day(date(2027, 2, 3))
    assert CALENDAR.is_working_day(date(2027, 2, 11))


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),  # Tết Dương lịch
        date(2026, 4, 27),  # Giỗ Tổ Hùng Vương (10/3 lunar falls on Sunday 26/4, observed Monday)
        date(2026, 4, 30),  # Ngày Giải phóng miền Nam
        date(2026, 5, 1),  # Quốc tế Lao động
        date(2026, 9, 2),  # Quốc khánh
        date(2026, 9, 1),  # the day next to Quốc khánh
        date(2025, 4, 30),
        date(2025, 5, 1),
        date(2025, 9, 2),
        date(2027, 4, 30),
        date(2027, 9, 2),
        date(2027, 5, 3),  # 1/5/2027 is a Saturday: observed on Monday
    ],
)
def test_public_holidays_are_not_working_days(day: date) -> None:
    assert not CALENDAR.is_working_day(day)
    assert CALENDAR.holiday_name(day)


def test_weekends_are_not_working_days() -> None:
    week = days(date(2026, 3, 9), date(2026, 3, 15))  # Monday to Sunday, no holiday
    assert [CALENDAR.is_working_day(day) for day in week] == [True] * 5 + [False] * 2
    assert CALENDAR.holiday_name(date(2026, 3, 14)) is None


def test_datetimes_are_accepted() -> None:
    assert not CALENDAR.is_working_day(datetime(2026, 2, 17, 9, 30))
    assert CALENDAR.add_working_days(datetime(2026, 3, 13, 16, 45), 1) == date(2026, 3, 16)


def test_one_working_day_after_friday_is_monday() -> None:
    assert CALENDAR.add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)


def test_counting_starts_the_next_working_day() -> None:
    monday = date(2026, 3, 9)
    assert CALENDAR.add_working_days(monday, 1) == date(2026, 3, 10)
    assert CALENDAR.add_working_days(monday, 5) == date(2026, 3, 16)
    assert CALENDAR.add_working_days(date(2026, 3, 14), 1) == date(2026, 3, 16)  # filed on a Saturday
    assert CALENDAR.add_working_days(monday, 0) == monday


def test_due_date_across_tet() -> None:
    # Filed Thursday 12/2/2026: Friday 13 is day 1, then Tết and a weekend, Monday 23 and Tuesday 24.
    assert CALENDAR.add_working_days(date(2026, 2, 12), 3) == date(2026, 2, 24)
    # Filed on the Friday before Tết: nothing counts until Monday 23.
    assert CALENDAR.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)
    # Filed during Tết.
    assert CALENDAR.add_working_days(date(2026, 2, 17), 1) == date(2026, 2, 23)
    assert CALENDAR.add_working_days(date(2027, 2, 3), 1) == date(2027, 2, 11)


def test_due_date_across_30_4_and_1_5() -> None:
    # Wednesday 29/4/2026: Thursday 30/4 and Friday 1/5 are holidays, then the weekend.
    assert CALENDAR.add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)
    # Friday 24/4/2026: Monday 27/4 is off too (Giỗ Tổ observed), then Tuesday 28 and Wednesday 29.
    assert CALENDAR.add_working_days(date(2026, 4, 24), 2) == date(2026, 4, 29)
    assert CALENDAR.add_working_days(date(2026, 4, 24), 3) == date(2026, 5, 4)


def test_negative_working_days_count_backwards() -> None:
    assert CALENDAR.add_working_days(date(2026, 3, 16), -1) == date(2026, 3, 13)
    assert CALENDAR.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)


def test_working_days_between_for_late_dossiers() -> None:
    due = date(2026, 2, 13)
    assert CALENDAR.working_days_between(due, due) == 0
    assert CALENDAR.working_days_between(due, date(2026, 2, 20)) == 0  # Tết: not late yet
    assert CALENDAR.working_days_between(due, date(2026, 2, 24)) == 2  # late by 2 working days
    assert CALENDAR.working_days_between(date(2026, 2, 24), due) == -2  # 2 working days left
    assert CALENDAR.working_days_between(date(2026, 3, 9), date(2026, 3, 15)) == 4  # Tue-Fri
    assert CALENDAR.working_days_between(date(2026, 3, 13), datetime(2026, 3, 16, 8)) == 1


@pytest.mark.parametrize(
    "start", [date(2026, 2, 12), date(2026, 4, 24), date(2026, 12, 30), date(2027, 2, 6)]
)
@pytest.mark.parametrize("count", [0, 1, 3, 7, 15, 30])
def test_between_is_the_inverse_of_add(start: date, count: int) -> None:
    due = CALENDAR.add_working_days(start, count)
    assert CALENDAR.working_days_between(start, due) == count
    assert count == 0 or CALENDAR.is_working_day(due)


def test_across_the_new_year() -> None:
    # Wednesday 31/12/2025 -> Thursday 1/1/2026 is a holiday.
    assert CALENDAR.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 2)


def test_extra_days_off_and_working_days() -> None:
    calendar = WorkingCalendar(extra_days_off=[date(2026, 3, 12)], extra_working_days=[date(2026, 3, 14)])
    assert not calendar.is_working_day(date(2026, 3, 12))  # a Thursday given off
    assert calendar.is_working_day(date(2026, 3, 14))  # a make-up Saturday
    assert calendar.add_working_days(date(2026, 3, 11), 2) == date(2026, 3, 14)
    assert calendar.working_days_between(date(2026, 3, 11), date(2026, 3, 16)) == 3


def test_an_extra_working_day_overrides_a_holiday() -> None:
    calendar = WorkingCalendar(extra_working_days=[date(2026, 2, 20)])
    assert calendar.is_working_day(date(2026, 2, 20))
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 20)


def calendar_from_settings() -> WorkingCalendar:
    settings = load_settings()
    return WorkingCalendar(settings.extra_days_off, settings.extra_working_days)


def test_calendar_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_EXTRA_DAYS_OFF", "2026-09-01, 2026-12-31,")
    monkeypatch.setenv("DVC_EXTRA_WORKING_DAYS", "2026-05-09")
    calendar = calendar_from_settings()
    assert not calendar.is_working_day(date(2026, 12, 31))  # Thursday
    assert CALENDAR.is_working_day(date(2026, 12, 31))
    assert calendar.is_working_day(date(2026, 5, 9))  # Saturday
    assert calendar.add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 4)


def test_calendar_from_settings_defaults_to_no_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DVC_EXTRA_DAYS_OFF", raising=False)
    monkeypatch.delenv("DVC_EXTRA_WORKING_DAYS", raising=False)
    calendar = calendar_from_settings()
    assert calendar.extra_days_off == frozenset()
    assert calendar.extra_working_days == frozenset()
    monkeypatch.setenv("DVC_EXTRA_DAYS_OFF", "")
    assert calendar_from_settings().extra_days_off == frozenset()


@pytest.mark.parametrize("variable", ["DVC_EXTRA_DAYS_OFF", "DVC_EXTRA_WORKING_DAYS"])
@pytest.mark.parametrize("value", ["2026-13-01", "01/09/2026", "2026-09-01,tomorrow", "2026-02-30"])
def test_a_bad_date_names_its_variable(variable: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable):
        load_settings()
