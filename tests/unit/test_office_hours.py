"""Office hours: sessions on working days, Saturday mornings only where the commune works them, holidays and
Tết closed, declared days off and make-up days honoured, and how the next opening is told to a citizen."""

from datetime import date, datetime, time

import pytest

from bot.calendar.working_days import WorkingCalendar
from bot.handover.office_hours import OfficeHours, parse_sessions, spoken_moment
from bot.workflow.clock import VIETNAM

WEEKDAYS = parse_sessions("07:30-11:30,13:30-17:00")
SATURDAY = parse_sessions("07:30-11:30")


def hours(saturdays=(), **calendar) -> OfficeHours:
    return OfficeHours(WEEKDAYS, saturdays, WorkingCalendar(**calendar))


def at(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def test_sessions_are_parsed_in_order_and_bad_ones_refused():
    morning, afternoon = (time(7, 30), time(11, 30)), (time(13, 30), time(17))
    assert parse_sessions("13:30-17:00, 07:30-11:30") == (morning, afternoon)
    assert parse_sessions("") == ()
    for bad in ("07:30", "11:30-07:30", "07:30-12:00,11:00-17:00", "7h30-11h"):
        with pytest.raises(ValueError):
            parse_sessions(bad)


def test_open_in_sessions_closed_at_lunch_and_after_five():
    office = hours()
    assert office.is_open(at(2026, 12, 1, 7, 30))  # a Tuesday
    assert office.is_open(at(2026, 12, 1, 11, 29))
    assert not office.is_open(at(2026, 12, 1, 11, 30))  # lunch
    assert office.is_open(at(2026, 12, 1, 16, 59))
    assert not office.is_open(at(2026, 12, 1, 17, 0))
    assert not office.is_open(at(2026, 12, 1, 6, 0))


def test_utc_moments_are_read_on_the_communes_clock():
    office = hours()
    assert office.is_open(datetime(2026, 12, 1, 1, 0))  # naive = UTC: 08:00 in Vietnam
    assert not office.is_open(datetime(2026, 12, 1, 11, 0))  # 18:00 in Vietnam


def test_saturday_mornings_only_where_the_commune_works_them():
    saturday_morning = at(2026, 12, 5, 8, 0)
    assert not hours().is_open(saturday_morning)
    assert hours(SATURDAY).is_open(saturday_morning)
    assert not hours(SATURDAY).is_open(at(2026, 12, 5, 14, 0))
    assert not hours(SATURDAY).is_open(at(2026, 12, 6, 8, 0))  # Sunday


def test_holidays_and_tet_are_closed_and_the_next_opening_skips_them():
    office = hours(SATURDAY)
    assert not office.is_open(at(2026, 2, 18, 9, 0))  # Mùng hai Tết
    # Friday before Tết, evening: Saturday 14/2 is a plain Saturday unless the year's break declares it off.
    assert office.next_opening(at(2026, 2, 13, 18, 0)) == at(2026, 2, 14, 7, 30)
    tet_2026 = hours(SATURDAY, extra_days_off=[date(2026, 2, 14), date(2026, 2, 21)])  # off 14/2 to 22/2
    assert tet_2026.next_opening(at(2026, 2, 13, 18, 0)) == at(2026, 2, 23, 7, 30)
    # 30/4 and 1/5 (Thursday, Friday): from Wednesday evening to Saturday morning.
    assert office.next_opening(at(2026, 4, 29, 17, 30)) == at(2026, 5, 2, 7, 30)
    assert hours().next_opening(at(2026, 4, 29, 17, 30)) == at(2026, 5, 4, 7, 30)


def test_declared_days_off_and_make_up_days():
    office = hours(SATURDAY, extra_days_off=[date(2026, 12, 2)], extra_working_days=[date(2026, 12, 12)])
    assert not office.is_open(at(2026, 12, 2, 9, 0))
    assert office.is_open(at(2026, 12, 12, 14, 0))  # a make-up Saturday is a full working day
    saturday_off = hours(SATURDAY, extra_days_off=[date(2026, 12, 5)])
    assert not saturday_off.is_open(at(2026, 12, 5, 8, 0))


def test_duty_days_are_staffed_with_the_weekday_sessions():
    sunday = date(2026, 12, 6)
    office = OfficeHours(WEEKDAYS, (), WorkingCalendar(), frozenset({sunday}))
    assert office.is_open(at(2026, 12, 6, 14, 0))
    assert not office.is_open(at(2026, 12, 6, 12, 0))
    assert not WorkingCalendar().is_working_day(sunday)  # the dossiers' time limits are unchanged


def test_next_opening_and_closing_within_a_day():
    office = hours()
    assert office.next_opening(at(2026, 12, 1, 12, 0)) == at(2026, 12, 1, 13, 30)
    assert office.next_opening(at(2026, 12, 1, 9, 0)) == at(2026, 12, 1, 13, 30)
    assert office.closes_at(at(2026, 12, 1, 9, 0)) == at(2026, 12, 1, 11, 30)
    assert office.closes_at(at(2026, 12, 1, 12, 0)) is None
    assert OfficeHours((), (), WorkingCalendar()).next_opening(at(2026, 12, 1, 9, 0)) is None


def test_the_next_opening_is_said_as_a_citizen_would_say_it():
    now = at(2026, 12, 4, 18, 0)  # Friday evening
    assert spoken_moment(at(2026, 12, 4, 18, 30), now) == "18 giờ 30 chiều nay"
    assert spoken_moment(at(2026, 12, 5, 7, 30), now) == "7 giờ 30 sáng mai (thứ Bảy, 05/12/2026)"
    assert spoken_moment(at(2026, 12, 7, 13, 0), now) == "13 giờ chiều thứ Hai, 07/12/2026"
