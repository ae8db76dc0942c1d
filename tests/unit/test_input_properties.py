"""Property-based tests (hypothesis) of what citizens type: the form validators, the CCCD structure and the
text normalisation, on arbitrary and hostile text. Each property restates a promise of the module's docstring
(or of the GUIDE); the explicit @example inputs are bugs these properties found, kept as regressions."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from hypothesis import assume, example, given
from hypothesis import strategies as st

from bot.forms.cccd import (
    CCCD_LENGTH,
    FEMALE,
    MALE,
    PROVINCE_CODES,
    CccdInfo,
    describe_cccd,
    gender_century_digit,
)
from bot.forms.definitions import CCCD, CHOICE, DATE, FIELD_TYPES, NUMBER, PERSON_NAME, PHONE, TEXT, FieldSpec
from bot.forms.flow import parse_message
from bot.forms.validators import MAX_NAME_WORDS, Invalid, Valid, parse_stored_date, validate
from bot.text.masking import mask_personal
from bot.text.money import money
from bot.text.normalize import fold, normalize, normalize_text, quick_fold, strip_diacritics
from bot.text.split import split_message
from bot.text.tokenize import tokenize
from tests.unit.hostile import TONE_MARKS, VIETNAMESE_LETTERS

TODAY = date(2026, 3, 10)

# --- strategies --------------------------------------------------------------------------------------

# What a message may carry besides letters: zero-width spaces, soft hyphens, a BOM, NUL, tabs, newlines.
INVISIBLE = "\u200b\u200c\u200d\u00ad\ufeff\u2060\x00\x07\x1b"
SPACES = " \t\n\r\u00a0\u3000"

vietnamese_word = st.text(alphabet=VIETNAMESE_LETTERS, min_size=1, max_size=7)
vietnamese_text = st.text(alphabet=VIETNAMESE_LETTERS + "0123456789 .,!?:;-/()'\"" + INVISIBLE + SPACES)
# Anything at all, lone surrogates included (JSON "\ud800" escapes decode to them).
any_text = st.one_of(st.text(), vietnamese_text, st.text(alphabet=INVISIBLE + SPACES + "!?.,;:"))
unicode_form = st.sampled_from(["NFC", "NFD"])

CHOICE_SETS = (
    ("Nam", "Nữ"),
    ("Nhận tại Bộ phận Một cửa", "Qua bưu điện", "Trực tuyến"),
    ("Có", "Không"),
    ("Kinh", "Tày", "Thái", "Mường", "Khmer", "H'Mông"),
)


@st.composite
def field_specs(draw, field_type: str | None = None) -> FieldSpec:
    kind = draw(st.sampled_from(FIELD_TYPES)) if field_type is None else field_type
    options: dict = {"required": draw(st.booleans())}
    if kind == CHOICE:
        options["choices"] = draw(st.sampled_from(CHOICE_SETS))
    if kind == DATE:
        options["not_future"] = draw(st.booleans())
        options["not_past"] = not options["not_future"] and draw(st.booleans())
    if kind == NUMBER:
        low = draw(st.none() | st.integers(-1000, 1000))
        high = draw(st.none() | st.integers(-1000, 10**12))
        assume(low is None or high is None or low <= high)
        options.update(min_value=low, max_value=high)
    if kind == TEXT:
        options["min_length"] = draw(st.integers(0, 20))
        options["max_length"] = draw(st.integers(max(1, options["min_length"]), 500))
    if kind == CCCD:
        options.update(birth_date_field="birth_date", gender_field="gender")
    return FieldSpec(name="field", label="Thông tin", question="Anh/chị cho em biết ạ?", type=kind, **options)


answers_strategy = st.fixed_dictionaries(
    {},
    optional={
        "birth_date": st.dates(date(1850, 1, 1), TODAY).map(lambda day: f"{day:%d/%m/%Y}")
        | st.text(max_size=12),
        "gender": st.sampled_from([MALE, FEMALE, "nu", "NAM", "khác", ""]),
    },
)


@contextmanager
def no_validator_bug() -> Iterator[None]:
    """validate() answers "please type it again" when it crashes inside; that must never be needed."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("bot.forms.validators")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert not records, f"the validator crashed: {records[0].exc_info!r}"


def check(spec: FieldSpec, text: str, answers: dict[str, str] | None = None) -> Valid | Invalid:
    with no_validator_bug():
        result = validate(spec, text, answers or {}, TODAY)
    assert isinstance(result, Valid | Invalid)
    return result


def is_visible(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co")


# --- validate(): any input --------------------------------------------------------------------------


def assert_stored_value_is_clean(spec: FieldSpec, value: str, answers: dict[str, str]) -> None:
    assert all(is_visible(char) for char in value), repr(value)
    assert value == value.strip() and "  " not in value and unicodedata.is_normalized("NFC", value)
    if spec.type == DATE:
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", value)
        day = parse_stored_date(value)
        assert day is not None and day.year >= 1900
        assert not (spec.not_future and day > TODAY) and not (spec.not_past and day < TODAY)
    elif spec.type == CCCD:
        assert re.fullmatch(r"[0-9]{12}", value)
        assert describe_cccd(value).birth_year <= TODAY.year
    elif spec.type == PHONE:
        assert re.fullmatch(r"0[0-9]{9}", value)
    elif spec.type == CHOICE:
        assert value in spec.choices
    elif spec.type == NUMBER:
        assert re.fullmatch(r"-?(0|[1-9][0-9]*)", value)
        assert spec.min_value is None or int(value) >= spec.min_value
        assert spec.max_value is None or int(value) <= spec.max_value
    elif spec.type == PERSON_NAME:
        assert not any(char.isdigit() for char in value)
        assert len(value) <= spec.max_length and len(value.split(" ")) <= MAX_NAME_WORDS
    else:
        assert spec.min_length <= len(value) <= spec.max_length


@given(spec=field_specs(), text=any_text, answers=answers_strategy)
@example(spec=FieldSpec("field", "Họ tên", "?", type=PERSON_NAME), text="ALİ", answers={})
@example(spec=FieldSpec("field", "Họ tên", "?", type=PERSON_NAME), text="ßen", answers={})
@example(spec=FieldSpec("field", "Nội dung", "?"), text="ho\u200bà", answers={})
def test_validate_never_fails_answers_politely_and_stores_only_clean_values(spec, text, answers):
    result = check(spec, text, answers)
    if isinstance(result, Invalid):
        assert result.message.startswith("Dạ") and result.expected
        # Decree 13/2023: a refusal never repeats a whole CCCD or phone number back.
        assert not re.search(r"\d{9,}", result.message), result.message
        return
    if result.value == "":
        assert not spec.required
        return
    assert_stored_value_is_clean(spec, result.value, answers)
    assert check(spec, result.value, answers) == result  # a stored value is valid as it is stored


@given(spec=field_specs(), text=any_text)
@example(spec=FieldSpec("field", "Nội dung", "?"), text="a\u200b\u0301")
def test_nfc_and_nfd_typing_are_the_same_answer(spec, text):
    """GUIDE §1: citizens type NFC or NFD."""
    nfc, nfd = unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)
    assert check(spec, nfd) == check(spec, nfc)


# --- validate(): what each type promises to accept -------------------------------------------------

DATE_FORMS = (
    "{d}/{m}/{y}",
    "{d:02d}/{m:02d}/{y}",
    "{d}-{m}-{y}",
    "{d:02d}.{m:02d}.{y}",
    "{d} {m} {y}",
    "ngày {d} tháng {m} năm {y}",
    "Ngày {d:02d} tháng {m:02d} năm {y}.",
    "{y}-{m:02d}-{d:02d}",
)


@given(
    day=st.dates(date(1900, 1, 1), TODAY),
    form=st.sampled_from(DATE_FORMS),
    unicode=unicode_form,
    padding=st.sampled_from(["", " ", "  ", "\u200b"]),
)
def test_every_real_date_is_accepted_in_every_documented_form(day, form, unicode, padding):
    typed = unicodedata.normalize(
        unicode, padding + form.format(d=day.day, m=day.month, y=day.year) + padding
    )
    spec = FieldSpec("birth_date", "Ngày sinh", "?", type=DATE, not_future=True)
    assert check(spec, typed) == Valid(f"{day:%d/%m/%Y}")


@given(day=st.dates(date(TODAY.year, TODAY.month, TODAY.day + 1), date(2200, 1, 1)))
def test_a_birth_date_after_today_is_refused(day):
    spec = FieldSpec("birth_date", "Ngày sinh", "?", type=DATE, not_future=True)
    assert isinstance(check(spec, f"{day:%d/%m/%Y}"), Invalid)


@given(year=st.integers(1900, 2100), month=st.integers(1, 12), day=st.integers(29, 40))
def test_a_day_that_is_not_on_the_calendar_is_refused(year, month, day):
    try:
        date(year, month, day)
    except ValueError:
        spec = FieldSpec("day", "Ngày", "?", type=DATE)
        assert isinstance(check(spec, f"{day}/{month}/{year}"), Invalid)


@st.composite
def cccd_holders(draw) -> tuple[str, date, str]:
    """(a CCCD number, its holder's birth date, gender) built from the GUIDE's structure, born by TODAY."""
    birth = draw(st.dates(date(1900, 1, 1), TODAY))
    gender = draw(st.sampled_from([MALE, FEMALE]))
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    random_part = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    number = f"{province}{gender_century_digit(gender, birth.year)}{birth.year % 100:02d}{random_part}"
    return number, birth, gender


def cccd_spec() -> FieldSpec:
    return FieldSpec("cccd", "Số CCCD", "?", type=CCCD, birth_date_field="birth_date", gender_field="gender")


@given(holder=cccd_holders(), separator=st.sampled_from(["", " ", ".", "-"]), position=st.integers(6, 11))
def test_a_cccd_built_by_its_structure_is_accepted_and_its_random_part_is_not_checked(
    holder, separator, position
):
    number, birth, gender = holder
    answers = {"birth_date": f"{birth:%d/%m/%Y}", "gender": gender}
    typed = separator.join([number[:3], number[3:6], number[6:9], number[9:]])
    assert check(cccd_spec(), typed, answers) == Valid(number)
    assert check(cccd_spec(), typed) == Valid(number)
    changed = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]
    assert check(cccd_spec(), changed, answers) == Valid(changed)


@given(holder=cccd_holders(), other_year=st.integers(0, 99))
def test_a_cccd_that_contradicts_the_declared_birth_date_or_gender_is_refused(holder, other_year):
    number, birth, gender = holder
    answers = {"birth_date": f"{birth:%d/%m/%Y}", "gender": gender}
    other_gender_digit = str(int(number[3]) ^ 1)  # same century, the other gender
    assert isinstance(check(cccd_spec(), number[:3] + other_gender_digit + number[4:], answers), Invalid)
    assume(other_year != birth.year % 100)
    assert isinstance(check(cccd_spec(), f"{number[:4]}{other_year:02d}{number[6:]}", answers), Invalid)


@given(holder=cccd_holders(), code=st.integers(0, 999).map(lambda n: f"{n:03d}"))
def test_a_cccd_without_a_province_code_is_refused(holder, code):
    assume(code not in PROVINCE_CODES)
    number, _, _ = holder
    result = check(cccd_spec(), code + number[3:])
    assert isinstance(result, Invalid) and number[3:] not in result.message


MOBILE_PREFIXES = ("32", "33", "34", "35", "36", "37", "38", "39", "70", "76", "77", "78", "79")
MOBILE_PREFIXES += ("81", "82", "83", "84", "85", "86", "88", "90", "91", "93", "94", "96", "97", "98")


@given(
    prefix=st.sampled_from(MOBILE_PREFIXES),
    rest=st.text(alphabet="0123456789", min_size=7, max_size=7),
    form=st.sampled_from(["0{n}", "+84{n}", "+84 {a} {b} {c}", "0{a}.{b}.{c}", "0{a} {b} {c}", "(+84) {n}"]),
)
def test_a_vietnamese_mobile_number_is_accepted_however_it_is_written(prefix, rest, form):
    national = prefix + rest
    typed = form.format(n=national, a=national[:3], b=national[3:6], c=national[6:])
    result = check(FieldSpec("phone", "Số điện thoại", "?", type=PHONE), typed)
    assert result == Valid("0" + national)


@given(
    words=st.lists(vietnamese_word, min_size=1, max_size=MAX_NAME_WORDS),
    unicode=unicode_form,
    gaps=st.sampled_from([" ", "  ", " \u200b", "\t"]),
)
def test_a_name_of_vietnamese_letters_is_stored_in_title_case(words, unicode, gaps):
    typed = unicodedata.normalize(unicode, gaps.join(words))
    assume(len(" ".join(words)) <= 200)
    expected = " ".join(word[0].upper() + word[1:].lower() for word in words)
    assert check(FieldSpec("name", "Họ tên", "?", type=PERSON_NAME), typed) == Valid(expected)


@given(choices=st.sampled_from(CHOICE_SETS), data=st.data())
def test_a_choice_is_accepted_by_its_text_without_diacritics_by_button_and_by_number(choices, data):
    spec = FieldSpec("choice", "Lựa chọn", "?", type=CHOICE, choices=choices)
    index = data.draw(st.integers(0, len(choices) - 1))
    choice = choices[index]
    assert check(spec, choice) == Valid(choice)
    assert check(spec, unicodedata.normalize("NFD", choice.upper())) == Valid(choice)
    assert check(spec, f"/choose{json.dumps({'value': choice})}") == Valid(choice)
    assert check(spec, str(index + 1)) == Valid(choice)
    if sum(strip_diacritics(other).lower() == strip_diacritics(choice).lower() for other in choices) == 1:
        assert check(spec, strip_diacritics(choice).lower()) == Valid(choice)


# --- CCCD structure ----------------------------------------------------------------------------------


@given(text=st.one_of(st.text(), st.text(alphabet="0123456789", min_size=12, max_size=12)))
@example(text="٠٠١٢٠٣٠١٢٣٤٥")  # Arabic-Indic digits: isdigit() but not ASCII
def test_describe_cccd_reads_twelve_digits_or_says_value_error(text):
    try:
        info = describe_cccd(text)
    except ValueError:
        return
    assert isinstance(info, CccdInfo) and len(text) == CCCD_LENGTH and text.isascii()
    assert info.province == PROVINCE_CODES[text[:3]] and 1800 <= info.birth_year <= 2299
    assert info.gender == (FEMALE if int(text[3]) % 2 else MALE)


@given(gender=st.sampled_from([MALE, FEMALE]), year=st.integers(1500, 2600))
@example(gender=MALE, year=1799)
def test_the_gender_and_century_digit_reads_back_or_is_a_value_error(gender, year):
    try:
        digit = gender_century_digit(gender, year)
    except ValueError:
        assert not 1800 <= year <= 2299
        return
    info = describe_cccd(f"001{digit}{year % 100:02d}000000")
    assert (info.gender, info.birth_year) == (gender, year)


# --- text normalisation ------------------------------------------------------------------------------


@given(text=any_text)
@example(text="ho\u200bà")  # the tone moved only once the invisible character was gone
@example(text="hoà\u200bn")  # "hoàn" is a closed syllable: its tone stays where it is
@example(text="a\u200b\u0301")  # a combining mark after a dropped character: the output was not NFC
def test_normalize_cleans_as_documented_and_is_idempotent(text):
    normalized = normalize(text)
    out = normalized.text
    assert unicodedata.is_normalized("NFC", out)
    assert all(is_visible(char) and (char == " " or not char.isspace()) for char in out), repr(out)
    assert out == out.strip() and "  " not in out
    assert not re.search(r"([!?.,;:])\1{2,}", out)
    assert normalize_text(out) == out
    assert len(normalized.starts) == len(normalized.ends) == len(out)
    for index, (start, end) in enumerate(zip(normalized.starts, normalized.ends, strict=True)):
        assert 0 <= start < end <= len(text)
        if index:
            assert start >= normalized.starts[index - 1]
        if out[index] != " ":
            assert strip_diacritics(out[index]) in strip_diacritics(
                unicodedata.normalize("NFC", text[start:end])
            )


@given(text=vietnamese_text, invisible=st.lists(st.tuples(st.integers(0, 200), st.sampled_from(INVISIBLE))))
def test_invisible_characters_change_nothing(text, invisible):
    """normalize drops control and format characters: wherever they sit, the text reads the same."""
    typed = text
    for position, char in invisible:
        typed = typed[:position] + char + typed[position:]
    assert normalize_text(typed) == normalize_text(text)


@given(
    start=st.sampled_from(["h", "kh", "th", "ch", "t", "x", "l", ""]),
    pair=st.sampled_from(["oa", "oe", "uy"]),
    tone=st.sampled_from(TONE_MARKS[1:]),
    unicode=unicode_form,
)
def test_old_and_new_tone_placement_read_the_same(start, pair, tone, unicode):
    old = unicodedata.normalize(unicode, start + pair[0] + pair[1] + tone)
    new = unicodedata.normalize("NFC", start + pair[0] + tone + pair[1])
    assert normalize_text(old) == new
    assert normalize_text(old + "n") == unicodedata.normalize("NFC", old + "n")  # closed syllable: as typed


@given(text=any_text)
def test_fold_is_idempotent_and_diacritic_free(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert not any(unicodedata.combining(char) for char in unicodedata.normalize("NFD", folded))


@given(
    text=st.text(alphabet=VIETNAMESE_LETTERS + "0123456789 ", max_size=80).map(lambda t: " ".join(t.split()))
)
def test_quick_fold_folds_our_own_text_like_fold(text):
    assert quick_fold(text) == fold(text)


@given(text=st.text().map(lambda t: unicodedata.normalize("NFC", t)))
def test_strip_diacritics_keeps_the_length_of_nfc_text_but_for_marks_on_no_letter(text):
    stray_marks = sum(1 for char in text if unicodedata.combining(char))
    assert len(strip_diacritics(text)) == len(text) - stray_marks


def test_a_stray_combining_mark_does_not_shift_the_words_after_it():
    """Regression: the segmenter's words were located in a folded text one character shorter."""
    words = [token.text for token in tokenize("x\u0301 đăng ký kết hôn ở đâu")]
    assert words[-4:] == ["đăng_ký", "kết_hôn", "ở", "đâu"]


@given(text=any_text)
@example(text="0\u0300")  # a mark NFC cannot put on a digit: both tokens cover the one cluster
@example(text="00\u094d")  # a Devanagari virama after a digit was a token of its own, folded to nothing
def test_tokens_point_at_what_the_citizen_typed(text):
    tokens = tokenize(text)
    shared = Counter((token.start, token.end) for token in tokens)
    previous_start = 0
    for token in tokens:
        assert previous_start <= token.start < token.end <= len(text)
        previous_start = token.start
        if shared[token.start, token.end] == 1:
            assert token.folded == fold(text[token.start : token.end]).replace(" ", "_")


@given(
    text=st.text(alphabet=VIETNAMESE_LETTERS + "0123456789.,;!? \n", max_size=400),
    limit=st.integers(1, 120),
)
def test_split_message_respects_the_limit_and_keeps_every_word(text, limit):
    pieces = split_message(text, limit)
    assert all(0 < len(piece) <= limit and piece == piece.strip() for piece in pieces)
    if all(len(word) <= limit for word in text.split()):
        assert " ".join(pieces).split() == text.split()
    else:
        assert "".join("".join(pieces).split()) == "".join(text.split())


@given(
    before=st.text(alphabet=VIETNAMESE_LETTERS + " .,:?"),
    after=st.text(alphabet=VIETNAMESE_LETTERS + " .,:?"),
    number=st.one_of(
        st.text(alphabet="0123456789", min_size=9, max_size=9).map(lambda n: "09" + n[1:]),
        st.text(alphabet="0123456789", min_size=11, max_size=11).map(lambda n: "0" + n),
        st.text(alphabet="0123456789", min_size=9, max_size=9).map(lambda n: f"+84 {n[:3]} {n[3:6]} {n[6:]}"),
        st.from_regex(r"[a-z]{3,8}\.?[a-z0-9]{0,5}@[a-z]{3,8}\.(vn|com)", fullmatch=True),
    ),
)
def test_masking_removes_phone_identity_numbers_and_emails(before, after, number):
    masked = mask_personal(f"{before} {number} {after}")
    assert number not in masked


@given(amount=st.integers(0, 10**15))
def test_money_reads_back(amount):
    written = money(amount)
    assert written.endswith(" đồng") and int(written.removesuffix(" đồng").replace(".", "")) == amount


@given(text=any_text, entities=st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3))
@example(text='/choose{"a":' + "[" * 5000 + "}", entities={})  # nested too deep: RecursionError
def test_a_form_message_is_a_payload_with_its_entities_or_folded_words(text, entities):
    intent, parsed, folded = parse_message(text)
    assert isinstance(intent, str) and isinstance(parsed, dict) and isinstance(folded, str)
    payload = f"/choose{json.dumps(entities, ensure_ascii=False)}"
    assert parse_message(payload)[:2] == ("choose", entities)
