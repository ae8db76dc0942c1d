import itertools
import unicodedata

import pytest

from bot.text.normalize import normalize
from bot.text.tokenize import tokenize, tokenize_normalized


def surfaces(text: str) -> list[str]:
    return [text[token.start : token.end] for token in tokenize(text)]


def test_multi_syllable_words_are_grouped_with_exact_offsets():
    text = "Tôi muốn làm giấy khai sinh cho con ở xã Tân Phú"
    tokens = tokenize(text)
    assert "khai_sinh" in [token.text for token in tokens]
    assert "Tân Phú" in surfaces(text)
    for token in tokens:
        assert text[token.start : token.end].replace(" ", "_") == token.text


def test_lemma_view_has_no_diacritics():
    assert [token.folded for token in tokenize("Đăng ký khai sinh")] == ["dang_ky", "khai_sinh"]


def test_nfd_input_offsets_point_into_the_original():
    text = unicodedata.normalize("NFD", "Hoà Bình, số điện thoại")
    tokens = tokenize(text)
    assert [token.text for token in tokens] == ["Hòa_Bình", ",", "số", "điện_thoại"]
    recovered = [text[token.start : token.end] for token in tokens]
    # The original keeps its own form (NFD, old tone placement); only the token text is normalised.
    assert recovered == [unicodedata.normalize("NFD", word) for word in ["Hoà Bình", ",", "số", "điện thoại"]]


def test_text_without_diacritics_stays_in_syllables():
    # underthesea mis-segments diacritic-free text, so syllables are the safer unit there.
    assert [token.text for token in tokenize("toan trinh la sao")] == ["toan", "trinh", "la", "sao"]


def test_codes_dates_and_phone_numbers_stay_whole():
    text = "hồ sơ 000.00.12.H23-251122-0007 nộp ngày 15/3/2024, sđt 0912.345.678"
    assert "000.00.12.H23-251122-0007" in surfaces(text)
    assert "15/3/2024" in surfaces(text)
    assert "0912.345.678" in surfaces(text)


def test_emoji_and_punctuation_are_separate_tokens():
    assert surfaces("cảm ơn 👍!!") == ["cảm ơn", "👍", "!", "!"]


@pytest.mark.parametrize("blank", ["", "   ", "\u200b"])
def test_empty_input_gives_no_tokens(blank):
    assert tokenize(blank) == []


def test_five_thousand_character_message():
    text = ("Tôi muốn đăng ký thường trú cho gia đình ở phường Hòa Bình. " * 90)[:5000]
    tokens = tokenize(text)
    assert len(tokens) > 500
    assert all(0 <= token.start < token.end <= len(text) for token in tokens)
    assert all(earlier.end <= later.start for earlier, later in itertools.pairwise(tokens))


def test_keep_apart_prevents_a_word_across_an_entity_boundary():
    text = "dịch vụ công mức độ 4 là gì"
    together = [token.text for token in tokenize(text)]
    assert "dịch_vụ" in together
    apart = tokenize_normalized(normalize(text), keep_apart=[0, 7])
    assert text[apart[0].start : apart[0].end] == "dịch vụ"
    split = tokenize_normalized(normalize(text), keep_apart=[5])
    assert [token.text for token in split][:2] == ["dịch", "vụ"]
