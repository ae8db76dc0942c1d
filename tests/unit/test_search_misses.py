"""Missed questions are kept masked, linked to the citizen's later pick, and reported by frequency."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from backoffice import maintenance_cli
from bot.catalog import misses
from bot.catalog.misses import MissLog
from bot.text.masking import mask_personal


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def test_personal_data_is_masked():
    text = "Tôi là Nguyễn Văn An, sđt 0912 345 678, CCCD 001203004567, con tên là minh anh, mail an@x.vn"
    masked = mask_personal(text)
    for secret in ("Nguyễn Văn An", "0912 345 678", "001203004567", "minh anh", "an@x.vn"):
        assert secret not in masked
    assert masked.startswith("Tôi là [họ tên], sđt [số điện thoại], CCCD [số giấy tờ]")
    # Places, procedure words and years stay: they are what the report is for.
    assert mask_personal("chuyển hộ khẩu về Hà Nội năm 2015") == "chuyển hộ khẩu về Hà Nội năm 2015"
    assert mask_personal("bố đứng tên sổ đỏ") == "bố đứng tên sổ đỏ"


def test_a_miss_is_kept_masked_and_the_pick_answers_it(blank_services):
    clock = Clock()
    log = MissLog(blank_services.sessions, b"k" * 32, clock)
    log.record(
        "telegram", "42", "sổ đỏ mang tên Trần Văn Ba, tôi 0912345678", misses.CANDIDATES, ["1.1", "1.2"]
    )
    log.record("telegram", "42", "xin chào", misses.ANSWERED)  # not a miss: not kept
    assert log.picked("telegram", "42", "1.2")
    assert not log.picked("telegram", "43", "1.2")  # another citizen has no open miss
    [summary] = log.report()
    assert summary.question == "sổ đỏ mang tên [họ tên], tôi [số điện thoại]"
    assert summary.outcome == misses.CANDIDATES and summary.picked == (("1.2", 1),)


def test_the_report_groups_the_same_question_typed_with_or_without_diacritics(blank_services):
    clock = Clock()
    log = MissLog(blank_services.sessions, b"k" * 32, clock)
    for sender, text in (("1", "xin trợ cấp hộ nghèo"), ("2", "xin tro cap ho ngheo"), ("3", "gia hạn visa")):
        log.record(
            "rest", sender, text, misses.OUTSIDE if "cap" in text or "cấp" in text else misses.NOT_FOUND
        )
    clock.now += timedelta(minutes=31)
    assert not log.picked("rest", "1", "1.1")  # too late to be an answer to that question
    report = log.report()
    assert [(summary.count, summary.outcome) for summary in report] == [
        (2, misses.OUTSIDE),
        (1, misses.NOT_FOUND),
    ]
    clock.now += timedelta(days=400)
    assert log.report() == [] and log.forget_older_than(365) == 3


def test_the_operators_command_prints_the_report(blank_services, capsys):
    blank_services.misses.record("rest", "1", "gia hạn visa", misses.NOT_FOUND)
    blank_services.misses.record("rest", "2", "gia han visa", misses.NOT_FOUND)
    assert maintenance_cli.missed_questions(blank_services, ["report", "--days", "7"]) == 0
    printed = capsys.readouterr().out
    assert "most frequent missed questions of the last 7 days" in printed and "    2  [not_found]" in printed
    assert maintenance_cli.missed_questions(blank_services, ["nonsense"]) == 2  # argparse's usage error
