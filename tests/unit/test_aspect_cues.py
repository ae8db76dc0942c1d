"""Aspect words: what a general-looking question still asks about, with or without diacritics."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog import answers
from bot.catalog.aspects import AspectCues

CUES = AspectCues.load()


@pytest.mark.parametrize(
    "message, aspect",
    [
        ("điều kiện cấp giấy xác nhận tình trạng hôn nhân", answers.CONDITIONS),
        ("dieu kien cap giay xac nhan tinh trang hon nhan", answers.CONDITIONS),
        ("căn cứ pháp lý của thủ tục đăng ký kết hôn", answers.LEGAL),
        ("đăng ký kết hôn lệ phí", answers.FEE),
        ("đăng ký khai sinh mất mấy ngày", answers.TIME),
        ("mẫu tờ khai đăng ký kết hôn", answers.FORMS),
        ("trình tự đăng ký khai tử, lệ phí bao nhiêu", answers.STEPS),  # the first one asked
        ("thủ tục đăng ký kết hôn", None),
        ("bố em vừa mất, nhà xin tiền mai táng phí", None),  # an allowance, not a fee question
        ("đi kiện hàng xóm", None),  # whole words only
    ],
)
def test_the_aspect_a_question_asks_about(message: str, aspect: str | None):
    assert CUES.asked(message) == aspect


def test_an_unknown_aspect_in_the_data_is_refused(tmp_path: Path):
    path = tmp_path / "aspect_words.yml"
    path.write_text("price:\n  - giá\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown aspects"):
        AspectCues.load(path)


@pytest.mark.parametrize(
    "message, left",
    [
        ("lệ phí khai sinh bao nhiêu", "khai sinh bao nhiêu"),
        ("le phi khai sinh bao nhieu tien", "khai sinh"),
        ("Đăng ký kết hôn cần giấy tờ gì, nộp ở đâu?", "Đăng ký kết hôn cần , ?"),
        ("thủ tục đăng ký kết hôn", "thủ tục đăng ký kết hôn"),
    ],
)
def test_the_words_asking_about_a_part_are_taken_out_of_the_search(message: str, left: str):
    assert CUES.without_cues(message) == left
