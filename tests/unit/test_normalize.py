import unicodedata

import pytest

from bot.text.normalize import fold, normalize, normalize_text, strip_diacritics, unify_tone_placement


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_nfd_input_is_composed_and_offsets_cover_the_combining_marks():
    original = nfd("Giấy khai sinh")
    result = normalize(original)
    assert result.text == "Giấy khai sinh"
    assert unicodedata.is_normalized("NFC", result.text)
    # "ấ" is three code points in NFD: the span of the composed character covers all of them.
    start, end = result.original_span(0, 4)
    assert original[start:end] == nfd("Giấy")
    assert len(result.starts) == len(result.text) == len(result.ends)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hoà bình", "hòa bình"),
        ("Thuỷ lợi", "Thủy lợi"),
        ("sức khoẻ", "sức khỏe"),
        ("uỷ ban nhân dân", "ủy ban nhân dân"),
        ("HOÀ", "HÒA"),
        # Not an open "oa/oe/uy" ending: unchanged.
        ("hoàn thành", "hoàn thành"),
        ("quý khách", "quý khách"),
        ("huyền", "huyền"),
        ("khuya", "khuya"),
    ],
)
def test_tone_placement_is_unified(typed, expected):
    assert unify_tone_placement(typed) == expected
    assert normalize_text(nfd(typed)) == expected


def test_whitespace_and_control_characters_are_cleaned_with_offsets_kept():
    original = "  xin\u200b   chào\t\n bạn\x00  "
    result = normalize(original)
    assert result.text == "xin chào bạn"
    start, end = result.original_span(4, 8)
    assert original[start:end] == "chào"


def test_repeated_punctuation_is_shortened_but_maps_to_the_whole_run():
    original = "giúp em với!!!!!"
    result = normalize(original)
    assert result.text == "giúp em với!"
    assert result.original_span(len(result.text) - 1, len(result.text)) == (11, 16)


def test_emoji_are_kept_and_presentation_selectors_dropped():
    assert normalize_text("cảm ơn ❤️👍") == "cảm ơn ❤👍"


@pytest.mark.parametrize("blank", ["", "   ", "\n\t", "\u200b\u200b"])
def test_empty_and_blank_messages_normalize_to_empty(blank):
    result = normalize(blank)
    assert result.text == ""
    assert result.starts == ()


def test_long_message_is_handled_whole():
    original = "tôi muốn hỏi về thủ tục đăng ký khai sinh cho con. " * 100
    result = normalize(original)
    assert len(original) > 5000
    assert result.text == original.strip()


def test_diacritic_free_views():
    assert strip_diacritics("Giấy khai sinh Đà Nẵng") == "Giay khai sinh Da Nang"
    assert fold("  Hoà   BÌNH ") == fold("hòa bình") == "hoa binh"
    assert fold(nfd("Đăng ký thường trú")) == "dang ky thuong tru"
