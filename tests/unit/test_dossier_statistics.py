"""Monthly dossier statistics on a real SQLite database: on time vs late, Vietnam month boundaries,
in-progress snapshots with overdue and paused dossiers, rounding, and the chatbot's sentence."""

import json
from datetime import datetime, timezone
from itertools import count

import pytest

from bot.db.models import Dossier, Payment
from bot.db.session import session_factory, upgrade_schema
from bot.statistics import MonthFigures, Statistics, answer_question, describe_month, dossier_statistics
from bot.statistics.dossier_statistics import format_rate, late_rate
from bot.workflow.clock import VIETNAM

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # 10:00 in Vietnam
_numbers = count(1)


def utc(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    return session_factory(url)


def add(sessions, *, received, completed=None, due=None, paused=None, status=None):
    number = next(_numbers)
    with sessions() as session, session.begin():
        session.add(
            Dossier(
                code=f"000.00.12.H23-261101-{number:04d}",
                idempotency_key=f"k{number}",
                procedure_code="1.001193",
                procedure_name="Đăng ký khai sinh",
                status=status or ("approved" if completed else "received"),
                channel="rest",
                sender_id="s1",
                applicant_name="Nguyễn Văn A",
                phone_hash="h",
                form_data={},
                received_at=received,
                completed_at=completed,
                due_at=due,
                clock_paused_at=paused,
            )
        )


def by_month(statistics):
    return {figures.month: figures for figures in statistics.months}


def test_months_cover_the_range_oldest_first_and_empty_database_gives_zeros(sessions):
    statistics = dossier_statistics(sessions, now=NOW, months=3)
    assert [figures.month for figures in statistics.months] == ["2026-09", "2026-10", "2026-11"]
    assert statistics.totals == MonthFigures("total", 0, 0, 0, 0, 0.0, 0, 0)
    assert statistics.current.month == "2026-11"
    assert len(dossier_statistics(sessions, now=NOW).months) == 12
    assert dossier_statistics(sessions, now=NOW).months[0].month == "2025-12"


def test_on_time_late_and_no_due_date_by_completed_at_versus_due_at(sessions):
    add(sessions, received=utc(2026, 11, 2), completed=utc(2026, 11, 5), due=utc(2026, 11, 6))  # early
    add(sessions, received=utc(2026, 11, 2), completed=utc(2026, 11, 6, 10), due=utc(2026, 11, 6, 10))  # due
    add(sessions, received=utc(2026, 11, 2), completed=utc(2026, 11, 10), due=utc(2026, 11, 7))  # late
    add(sessions, received=utc(2026, 11, 3), completed=utc(2026, 11, 4), status="rejected")  # no due date
    november = dossier_statistics(sessions, now=NOW, months=2).current
    assert (november.received, november.processed, november.on_time, november.late) == (4, 4, 3, 1)
    assert november.late_rate == 25.0
    assert (november.in_progress, november.overdue_in_progress) == (0, 0)


def test_months_are_counted_in_vietnam_time(sessions):
    # 2026-10-31 18:00 UTC is 1 November 01:00 in Vietnam.
    add(sessions, received=utc(2026, 10, 30), completed=utc(2026, 10, 31, 18), due=utc(2026, 10, 31, 10))
    # 2026-10-31 16:59 UTC is still 31 October 23:59 in Vietnam.
    add(sessions, received=utc(2026, 10, 31, 16, 59), completed=utc(2026, 10, 31, 16, 59))
    # 2026-08-31 17:30 UTC is 1 September 00:30: inside a range starting in September; 16:59 is not.
    add(sessions, received=utc(2026, 8, 31, 17, 30))
    add(sessions, received=utc(2026, 8, 31, 16, 59), completed=utc(2026, 8, 31, 16, 59))
    months = by_month(dossier_statistics(sessions, now=NOW, months=3))
    assert (months["2026-11"].processed, months["2026-11"].late, months["2026-11"].received) == (1, 1, 0)
    assert (months["2026-10"].processed, months["2026-10"].on_time, months["2026-10"].received) == (1, 1, 2)
    assert months["2026-09"].received == 1
    # The dossier completed on 1 November (Vietnam time) was still in progress at the end of October.
    assert months["2026-10"].in_progress == 2
    assert months["2026-10"].overdue_in_progress == 1


def test_in_progress_snapshots_with_overdue_and_paused_dossiers(sessions):
    add(sessions, received=utc(2026, 9, 10), completed=utc(2026, 10, 15), due=utc(2026, 10, 1))  # late
    add(sessions, received=utc(2026, 10, 20), due=utc(2026, 10, 25))  # overdue since October
    add(sessions, received=utc(2026, 11, 1), due=utc(2026, 12, 1))  # in progress, not yet due
    # Waiting for the citizen's supplement: in progress but never counted as overdue.
    add(sessions, received=utc(2026, 10, 1), due=utc(2026, 10, 10), paused=utc(2026, 10, 5))
    # Overdue at the end of October, then paused on 1 November (Vietnam time): not overdue now.
    add(sessions, received=utc(2026, 10, 2), due=utc(2026, 10, 10), paused=utc(2026, 10, 31, 18))
    add(sessions, received=utc(2026, 6, 1))  # received before the range, still in progress, no due date
    add(sessions, received=utc(2026, 5, 1), completed=utc(2026, 6, 1))  # entirely before the range
    add(sessions, received=utc(2026, 11, 25))  # after now: ignored
    statistics = dossier_statistics(sessions, now=NOW, months=3)
    months = by_month(statistics)
    assert (months["2026-09"].in_progress, months["2026-09"].overdue_in_progress) == (2, 0)
    assert (months["2026-10"].in_progress, months["2026-10"].overdue_in_progress) == (4, 2)
    assert (months["2026-11"].in_progress, months["2026-11"].overdue_in_progress) == (5, 1)
    assert months["2026-10"].late == 1
    assert statistics.totals.received == 5
    assert (statistics.totals.in_progress, statistics.totals.overdue_in_progress) == (5, 1)


def test_current_month_snapshot_is_at_now(sessions):
    add(sessions, received=utc(2026, 11, 2), due=utc(2026, 11, 20, 2))  # due an hour before now
    add(sessions, received=utc(2026, 11, 2), due=utc(2026, 11, 20, 4))  # due an hour after now
    add(sessions, received=utc(2026, 11, 2), completed=utc(2026, 11, 20, 5))  # completed after now
    november = dossier_statistics(sessions, now=NOW, months=1).current
    assert (november.processed, november.in_progress, november.overdue_in_progress) == (0, 3, 1)


def test_naive_now_is_treated_as_utc(sessions):
    add(sessions, received=utc(2026, 10, 31, 18))
    naive = dossier_statistics(sessions, now=NOW.replace(tzinfo=None), months=1)
    assert naive.current.received == 1


def test_late_rate_rounds_half_up_to_one_decimal(sessions):
    assert late_rate(0, 0) == 0.0
    assert late_rate(1, 3) == 33.3
    assert late_rate(2, 3) == 66.7
    assert late_rate(1, 16) == 6.3  # 6.25: float rounding would give 6.2
    assert late_rate(1, 8) == 12.5
    assert late_rate(5, 5) == 100.0
    for day in range(1, 17):
        add(
            sessions,
            received=utc(2026, 11, 1),
            completed=utc(2026, 11, 12),
            due=utc(2026, 11, 11 + (day > 1)),
        )
    statistics = dossier_statistics(sessions, now=NOW, months=1)
    assert (statistics.current.late, statistics.current.processed, statistics.current.late_rate) == (
        1,
        16,
        6.3,
    )
    assert statistics.totals.late_rate == 6.3


def test_totals_aggregate_the_range(sessions):
    add(sessions, received=utc(2026, 9, 5), completed=utc(2026, 9, 9), due=utc(2026, 9, 8))
    add(sessions, received=utc(2026, 10, 5), completed=utc(2026, 10, 9), due=utc(2026, 10, 10))
    add(sessions, received=utc(2026, 11, 5), completed=utc(2026, 11, 9))
    totals = dossier_statistics(sessions, now=NOW, months=3).totals
    assert totals == MonthFigures("total", 3, 3, 2, 1, 33.3, 0, 0)


def test_to_dict_is_json_ready(sessions):
    add(sessions, received=utc(2026, 11, 5), completed=utc(2026, 11, 9))
    data = dossier_statistics(sessions, now=NOW, months=2, commune="Xã Tân Phú").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["generated_at"] == "2026-11-20T10:00:00+07:00"
    assert data["commune"] == "Xã Tân Phú"
    assert data["totals"]["month"] == "total"
    assert [month["month"] for month in data["months"]] == ["2026-10", "2026-11"]
    assert data["months"][-1] == {
        "month": "2026-11",
        "received": 1,
        "processed": 1,
        "on_time": 1,
        "late": 0,
        "late_rate": 0.0,
        "in_progress": 0,
        "overdue_in_progress": 0,
        "paid_online": 0,
    }


def test_fees_paid_online_are_counted_in_the_month_they_were_paid(sessions):
    add(sessions, received=utc(2026, 10, 30))
    with sessions() as session, session.begin():
        dossier_id = session.query(Dossier.id).scalar()
        for number, (status, paid) in enumerate(
            [("paid", utc(2026, 10, 31)), ("paid", utc(2026, 11, 2)), ("failed", None), ("pending", None)]
        ):
            session.add(
                Payment(
                    dossier_id=dossier_id,
                    txn_ref=f"{dossier_id}N{number}",
                    amount=15000,
                    status=status,
                    created_at=utc(2026, 10, 30),
                    expires_at=utc(2026, 10, 30),
                    settled_via="ipn",
                    response_code="00",
                    gateway_transaction_no="",
                    bank_code="",
                    paid_at=paid,
                )
            )
    statistics = dossier_statistics(sessions, now=NOW, months=2)
    assert [figures.paid_online for figures in statistics.months] == [1, 1]
    assert statistics.totals.paid_online == 2


@pytest.mark.parametrize("months", [0, 37, -1])
def test_months_out_of_range_are_refused(sessions, months):
    with pytest.raises(ValueError):
        dossier_statistics(sessions, now=NOW, months=months)


def test_range_crosses_the_new_year(sessions):
    statistics = dossier_statistics(sessions, now=utc(2027, 1, 31, 18), months=3)  # 1 February in Vietnam
    assert [figures.month for figures in statistics.months] == ["2026-12", "2027-01", "2027-02"]


def test_describe_month_with_processed_dossiers():
    figures = MonthFigures("2026-11", 14, 12, 11, 1, 8.3, 5, 1)
    assert describe_month(figures, current=True) == (
        "Dạ, tháng 11/2026 (tính đến hôm nay) xã đã giải quyết 12 hồ sơ: 11 đúng hạn, 1 trễ hạn — "
        "tỉ lệ trễ hạn 8,3%. Hiện còn 5 hồ sơ đang giải quyết, trong đó 1 hồ sơ đã quá hạn."
    )
    past = MonthFigures("2026-03", 1500, 1234, 1234, 0, 0.0, 0, 0)
    assert describe_month(past, current=False) == (
        "Dạ, tháng 3/2026 xã đã giải quyết 1.234 hồ sơ: 1.234 đúng hạn, 0 trễ hạn — tỉ lệ trễ hạn 0%. "
        "Cuối tháng không còn hồ sơ nào đang giải quyết."
    )


def test_describe_month_without_processed_dossiers_gives_no_rate():
    nothing = MonthFigures("2026-11", 0, 0, 0, 0, 0.0, 0, 0)
    text = describe_month(nothing, current=True)
    assert text == (
        "Dạ, tháng 11/2026 (tính đến hôm nay) xã chưa có hồ sơ nào được giải quyết. "
        "Hiện không còn hồ sơ nào đang giải quyết."
    )
    received_only = MonthFigures("2026-10", 3, 0, 0, 0, 0.0, 3, 0)
    text = describe_month(received_only, current=False)
    assert "tỉ lệ" not in text and "%" not in text
    assert text == (
        "Dạ, tháng 10/2026 xã đã tiếp nhận 3 hồ sơ, chưa có hồ sơ nào được giải quyết. "
        "Cuối tháng còn 3 hồ sơ đang giải quyết, chưa có hồ sơ nào quá hạn."
    )


def test_format_rate_uses_the_vietnamese_decimal_comma():
    assert [format_rate(rate) for rate in (8.3, 0.0, 100.0, 66.7)] == ["8,3%", "0%", "100%", "66,7%"]


def test_describe_month_from_the_database(sessions):
    add(sessions, received=utc(2026, 11, 2), completed=utc(2026, 11, 10), due=utc(2026, 11, 7))
    add(sessions, received=utc(2026, 11, 2), completed=utc(2026, 11, 5), due=utc(2026, 11, 7))
    add(sessions, received=utc(2026, 11, 3), completed=utc(2026, 11, 4))
    add(sessions, received=utc(2026, 11, 3), due=utc(2026, 11, 10))
    text = describe_month(dossier_statistics(sessions, now=NOW, months=1).current, current=True)
    assert text == (
        "Dạ, tháng 11/2026 (tính đến hôm nay) xã đã giải quyết 3 hồ sơ: 2 đúng hạn, 1 trễ hạn — "
        "tỉ lệ trễ hạn 33,3%. Hiện còn 1 hồ sơ đang giải quyết, trong đó 1 hồ sơ đã quá hạn."
    )


class _AwareRowsSession:
    """Stands in for a PostgreSQL session, which gives back aware datetimes (here in Vietnam time)."""

    def __init__(self, rows):
        self.rows = rows

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def execute(self, query):
        return self if "dossiers" in str(query) else _AwareRowsSession([])  # no payments

    def all(self):
        return self.rows


def test_aware_datetimes_from_postgresql_give_the_same_figures(sessions):
    dossiers = [
        (utc(2026, 10, 30), utc(2026, 10, 31, 18), utc(2026, 10, 31, 10), None),
        (utc(2026, 10, 20), None, utc(2026, 10, 25), None),
        (utc(2026, 10, 1), None, utc(2026, 10, 10), utc(2026, 10, 5)),
    ]
    for received, completed, due, paused in dossiers:
        add(sessions, received=received, completed=completed, due=due, paused=paused)
    aware_rows = [tuple(moment and moment.astimezone(VIETNAM) for moment in row) for row in dossiers]
    aware = dossier_statistics(lambda: _AwareRowsSession(aware_rows), now=NOW, months=3)
    assert aware == dossier_statistics(sessions, now=NOW, months=3)
    assert (aware.current.processed, aware.current.late, aware.current.overdue_in_progress) == (1, 1, 1)


def test_the_chat_answers_for_this_month_or_last_month():
    figures = [
        MonthFigures("2026-10", 3, 2, 1, 1, 50.0, 0, 0),
        MonthFigures("2026-11", 1, 0, 0, 0, 0.0, 1, 0),
    ]
    statistics = Statistics(datetime(2026, 11, 20, tzinfo=timezone.utc), tuple(figures), figures[-1])
    assert "tháng 11/2026 (tính đến hôm nay)" in answer_question(statistics, "tỉ lệ trễ hạn tháng này?")
    last = answer_question(statistics, "thang truoc tre han bao nhieu")
    assert "tháng 10/2026" in last and "tỉ lệ trễ hạn 50%" in last
