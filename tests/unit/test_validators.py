"""Form field validation: what citizens type (NFD, no diacritics, odd spacing) -> stored value or refusal."""

from __future__ import annotations

import logging
import unicodedata
from datetime import date

import pytest

from bot.forms.cccd import FEMALE, MALE, PROVINCE_CODES, describe_cccd, gender_century_digit, province_name
from bot.forms.definitions import CCCD, CHOICE, DATE, FIELD_TYPES, NUMBER, PERSON_NAME, PHONE, TEXT, FieldSpec
from bot.forms.validators import Invalid, Valid, validate

TODAY = date(2026, 3, 10)


def spec(field_type: str = TEXT, **options) -> FieldSpec:
    return FieldSpec(
        name="field", label="Thông tin", question="Anh/chị cho em biết ạ?", type=field_type, **options
    )


def check(field: FieldSpec, text: str, answers: dict[str, str] | None = None, today: date = TODAY):
    return validate(field, text, answers or {}, today)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def assert_invalid(result: Valid | Invalid, *fragments: str) -> Invalid:
    assert isinstance(result, Invalid), result
    assert result.message.startswith("Dạ"), result.message
    assert result.expected
    for fragment in fragments:
        assert fragment in result.message, result.message
    return result


# --- required / optional ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field_type", FIELD_TYPES)
@pytest.mark.parametrize("text", ["", "   ", "\u200b", "\t\n"])
def test_empty_input_is_refused_for_required_fields(field_type: str, text: str) -> None:
    field = spec(field_type, choices=("Nam", "Nữ") if field_type == CHOICE else ())
    assert_invalid(check(field, text), "Thông tin", "không được để trống")


@pytest.mark.parametrize("field_type", FIELD_TYPES)
@pytest.mark.parametrize(
    "text", ["", "bỏ qua", "Bỏ qua", "bo qua", nfd("BỎ QUA"), "không có", "khong co", "-", " - "]
)
def test_optional_fields_can_be_skipped(field_type: str, text: str) -> None:
    field = spec(field_type, required=False, choices=("Nam", "Nữ") if field_type == CHOICE else ())
    assert check(field, text) == Valid("")


def test_skip_words_are_ordinary_answers_for_required_fields() -> None:
    assert_invalid(check(spec(PHONE), "bỏ qua"))
    assert check(spec(TEXT), "không có") == Valid("không có")


def test_optional_field_with_an_answer_is_still_validated() -> None:
    field = spec(PHONE, required=False)
    assert check(field, "0912 345 678") == Valid("0912345678")
    assert_invalid(check(field, "12345"))


# --- person names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("nguyễn văn AN", "Nguyễn Văn An"),
        ("đỗ thị hoà", "Đỗ Thị Hoà"),  # the citizen's own tone placement is kept
        ("Đỗ Thị Hòa", "Đỗ Thị Hòa"),
        (nfd("trần thị ngọc ánh"), "Trần Thị Ngọc Ánh"),
        ("NGUYỄN   VĂN    BÌNH  ", "Nguyễn Văn Bình"),
        ("nguyen van an", "Nguyen Van An"),
        ("ĐẶNG", "Đặng"),
        ("h'hen niê", "H'Hen Niê"),
        ("y-moan ênuôl", "Y-Moan Ênuôl"),
        ("tôn nữ thị minh hương lan anh", "Tôn Nữ Thị Minh Hương Lan Anh"),
    ],
)
def test_person_names_are_stored_in_title_case(text: str, stored: str) -> None:
    result = check(spec(PERSON_NAME), text)
    assert result == Valid(stored)
    assert unicodedata.is_normalized("NFC", result.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Nguyễn Văn 2", "chữ số"),
        ("Nguyen Van A1", "chữ số"),
        ("Nguyễn @ Văn", "chữ cái"),
        ("Nguyễn 😀", "chữ cái"),
        ("阮文安", "chữ cái"),
        ("-", "chữ cái"),
        ("Nguyễn - An", "chữ cái"),
        ("a b c d e f g h i", "8 chữ"),
    ],
)
def test_bad_person_names(text: str, fragment: str) -> None:
    assert_invalid(check(spec(PERSON_NAME), text), fragment)


def test_person_name_length_comes_from_the_spec() -> None:
    field = spec(PERSON_NAME, max_length=12)
    assert check(field, "Lê Văn Tám") == Valid("Lê Văn Tám")
    assert_invalid(check(field, "Nguyễn Văn Thành"), "12 ký tự")


# --- dates -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "15/3/2024",
        "15/03/2024",
        "15-03-2024",
        "15.03.2024",
        "15 3 2024",
        "15 / 3 / 2024",
        "15 tháng 3 năm 2024",
        "ngày 15 tháng 03 năm 2024",
        "Ngày 15 tháng 3, năm 2024",
        nfd("ngày 15 tháng 3 năm 2024"),
        "15 thang 3 nam 2024",
        "ngay 15 thang 03 nam 2024",
        "15/03/2024.",
        "  15/03/2024  ",
        "2024-03-15",
    ],
)
def test_dates_in_every_accepted_form(text: str) -> None:
    assert check(spec(DATE), text) == Valid("15/03/2024")


def test_dates_are_padded() -> None:
    assert check(spec(DATE), "1/2/2003") == Valid("01/02/2003")


@pytest.mark.parametrize("text", ["15/3/24", "15 tháng 3 năm 24", "1-1-999"])
def test_two_digit_years_are_refused(text: str) -> None:
    assert_invalid(check(spec(DATE), text), "4 chữ số")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31/02/2024", "không có trên lịch"),
        ("29/02/2023", "28 ngày"),
        ("31/04/2024", "30 ngày"),
        ("0/1/2024", "không có trên lịch"),
        ("15/13/2024", "tháng"),
        ("15/00/2024", "tháng"),
        ("31/12/1899", "1900"),
        ("hôm qua", "ngày/tháng/năm"),
        ("15032024", "ngày/tháng/năm"),
        ("15/3", "ngày/tháng/năm"),
        ("15/3/2024/1", "ngày/tháng/năm"),
    ],
)
def test_impossible_or_unreadable_dates(text: str, fragment: str) -> None:
    assert_invalid(check(spec(DATE), text), fragment)


def test_leap_day_is_a_real_date() -> None:
    assert check(spec(DATE), "29/2/2024") == Valid("29/02/2024")


def test_not_future_dates() -> None:
    field = spec(DATE, not_future=True)
    assert check(field, "10/3/2026") == Valid("10/03/2026")  # today is fine
    assert check(field, "01/01/1900") == Valid("01/01/1900")
    assert_invalid(check(field, "11/3/2026"), "sau hôm nay", "10/03/2026")


def test_not_past_dates() -> None:
    field = spec(DATE, not_past=True)
    assert check(field, "10/3/2026") == Valid("10/03/2026")
    assert check(field, "1/1/2030") == Valid("01/01/2030")
    assert_invalid(check(field, "9/3/2026"), "từ hôm nay", "10/03/2026")


def test_dates_without_rules_may_be_past_or_future() -> None:
    assert check(spec(DATE), "1/1/2099") == Valid("01/01/2099")


# --- CCCD ------------------------------------------------------------------------------------------------


def cccd(province: str = "001", gender_century: str = "2", year: str = "05", rest: str = "123456") -> str:
    return province + gender_century + year + rest


def cccd_spec(**options) -> FieldSpec:
    return spec(CCCD, birth_date_field="birth_date", gender_field="gender", **options)


def test_the_province_table_has_the_63_old_provinces() -> None:
    assert len(PROVINCE_CODES) == 63
    assert province_name("001") == "Hà Nội"
    assert province_name("079") == "Hồ Chí Minh"
    assert province_name("096") == "Cà Mau"
    assert province_name("003") is None
    assert province_name("097") is None


@pytest.mark.parametrize(
    ("digit", "gender", "century_start"),
    [
        ("0", MALE, 1900),
        ("1", FEMALE, 1900),
        ("2", MALE, 2000),
        ("3", FEMALE, 2000),
        ("4", MALE, 2100),
        ("5", FEMALE, 2100),
        ("6", MALE, 2200),
        ("7", FEMALE, 2200),
        ("8", MALE, 1800),
        ("9", FEMALE, 1800),
    ],
)
def test_describe_cccd_reads_gender_and_century(digit: str, gender: str, century_start: int) -> None:
    info = describe_cccd(cccd("048", digit, "05"))
    assert (info.province_code, info.province) == ("048", "Đà Nẵng")
    assert (info.gender, info.century_start, info.birth_year_digits) == (gender, century_start, "05")
    assert info.birth_year == century_start + 5
    assert gender_century_digit(gender, info.birth_year) == digit


@pytest.mark.parametrize("number", ["00120512345", "003205123456", "00120512345a"])
def test_describe_cccd_refuses_malformed_numbers(number: str) -> None:
    with pytest.raises(ValueError) as refused:
        describe_cccd(number)
    assert number not in str(refused.value) and number[:9] not in str(refused.value)  # no personal data


@pytest.mark.parametrize(
    "text",
    [cccd(), "001 205 123 456", "0012 0512 3456", "001.205.123.456", "001-205-123-456", " 001205123456 "],
)
def test_cccd_spaces_and_dots_are_removed(text: str) -> None:
    assert check(spec(CCCD), text) == Valid("001205123456")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("00120512345", "đúng 12 chữ số"),
        ("0012051234567", "đúng 12 chữ số"),
        ("123456789", "CMND"),
        ("00120512345a", "chỉ gồm các chữ số"),
        ("CCCD của tôi", "chỉ gồm các chữ số"),
        (cccd(province="003"), "003"),
        (cccd(province="097"), "mã tỉnh"),
        (cccd(province="000"), "mã tỉnh"),
    ],
)
def test_bad_cccd_numbers(text: str, fragment: str) -> None:
    assert_invalid(check(spec(CCCD), text), fragment)


@pytest.mark.parametrize("code", sorted(PROVINCE_CODES))
def test_every_province_code_is_accepted(code: str) -> None:
    assert check(spec(CCCD), cccd(province=code, gender_century="0", year="85")) == Valid(
        cccd(code, "0", "85")
    )


def test_cccd_matching_birth_date_and_gender() -> None:
    answers = {"birth_date": "15/03/2005", "gender": "Nam"}
    assert check(cccd_spec(), cccd("001", "2", "05"), answers) == Valid("001205123456")
    woman_1987 = {"birth_date": "01/12/1987", "gender": "Nữ"}
    assert check(cccd_spec(), cccd("079", "1", "87"), woman_1987) == Valid("079187123456")
    man_1899 = {"birth_date": "01/01/1899", "gender": "nam"}
    assert (
        check(cccd_spec(), cccd("036", "8", "99"), man_1899, today=date(2026, 1, 1)).value == "036899123456"
    )


def test_cccd_century_must_match_the_birth_date() -> None:
    answers = {"birth_date": "15/03/2005"}
    assert_invalid(check(cccd_spec(), cccd("001", "0", "05"), answers), "chữ số thứ 4", "1900", "15/03/2005")


def test_cccd_birth_year_must_match_the_birth_date() -> None:
    answers = {"birth_date": "15/03/2005"}
    result = assert_invalid(check(cccd_spec(), cccd("001", "2", "06"), answers), "thứ 5 và 6", "2005", "05")
    assert "001206123456" not in result.message  # never echo the whole number back


@pytest.mark.parametrize(("gender", "digit"), [("Nam", "3"), ("Nữ", "2"), ("nu", "2"), (nfd("NỮ"), "0")])
def test_cccd_gender_must_match(gender: str, digit: str) -> None:
    answers = {"gender": gender}
    assert_invalid(check(cccd_spec(), cccd("001", digit, "05"), answers), "giới tính")


def test_cccd_without_answers_to_cross_check() -> None:
    assert check(cccd_spec(), cccd("001", "3", "05"), {}) == Valid("001305123456")
    # Answers that are empty or unreadable are not cross-checked.
    answers = {"birth_date": "", "gender": "Khác"}
    assert check(cccd_spec(), cccd("001", "3", "05"), answers) == Valid("001305123456")


def test_cccd_birth_year_cannot_be_in_the_future() -> None:
    assert_invalid(check(spec(CCCD), cccd("001", "4", "05")), "2105")
    assert_invalid(check(spec(CCCD), cccd("001", "2", "27")), "2027")
    assert check(spec(CCCD), cccd("001", "2", "26")) == Valid("001226123456")


# --- phones ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "84912345678",
        "0084912345678",
        "(+84) 912 345 678",
    ],
)
def test_valid_mobile_numbers_are_stored_in_national_format(text: str) -> None:
    assert check(spec(PHONE), text) == Valid("0912345678")


@pytest.mark.parametrize("text", ["0862345678", "0332345678", "0702345678", "0582345678"])
def test_other_mobile_prefixes(text: str) -> None:
    assert check(spec(PHONE), text) == Valid(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("024 3825 3536", "máy bàn"),  # Hà Nội landline
        ("028 3829 6012", "máy bàn"),  # TP.HCM landline
        ("1900 1234", "không phải số di động"),
        ("091234", "10 chữ số"),
        ("091234567", "10 chữ số"),
        ("0123456789", "10 chữ số"),
        ("0912345678a", "chữ số"),
        ("không nhớ", "chữ số"),
        ("+1 650 253 0000", "Việt Nam"),
        ("+", "số điện thoại"),
    ],
)
def test_bad_phone_numbers(text: str, fragment: str) -> None:
    assert_invalid(check(spec(PHONE), text), fragment)


# --- choices ---------------------------------------------------------------------------------------------

GENDER = spec(CHOICE, choices=("Nam", "Nữ"))
RELATION = spec(CHOICE, choices=("Cha", "Mẹ", "Người giám hộ", "Ông/bà"))


@pytest.mark.parametrize(
    ("field", "text", "stored"),
    [
        (GENDER, "Nam", "Nam"),
        (GENDER, "nam", "Nam"),
        (GENDER, "NỮ", "Nữ"),
        (GENDER, nfd("nữ"), "Nữ"),
        (GENDER, "nu", "Nữ"),
        (GENDER, "  Nữ  ", "Nữ"),
        (GENDER, "Nữ ạ", "Nữ"),
        (GENDER, "nam nhé.", "Nam"),
        (GENDER, "1", "Nam"),
        (GENDER, "2", "Nữ"),
        (GENDER, "2.", "Nữ"),
        (GENDER, '/choose{"value": "Nam"}', "Nam"),
        (GENDER, '/choose{"value": "Nữ"}', "Nữ"),
        (GENDER, '/choose{"value":"nu"}', "Nữ"),
        (RELATION, "nguoi giam ho", "Người giám hộ"),
        (RELATION, "NGƯỜI GIÁM HỘ", "Người giám hộ"),
        (RELATION, "ong/ba", "Ông/bà"),
        (RELATION, "me", "Mẹ"),
        (RELATION, "4", "Ông/bà"),
        (RELATION, '/choose{"value": "Người giám hộ"}', "Người giám hộ"),
    ],
)
def test_choices_by_text_index_and_payload(field: FieldSpec, text: str, stored: str) -> None:
    assert check(field, text) == Valid(stored)


@pytest.mark.parametrize(
    "text", ["0", "3", "-1", "khác", "Nam Nữ", '/choose{"value": "Khác"}', "/choose{broken", '/choose["Nam"]']
)
def test_choices_that_do_not_match(text: str) -> None:
    result = assert_invalid(check(GENDER, text), "1. Nam", "2. Nữ")
    assert "Nam, Nữ" in result.expected


def test_a_choice_text_wins_over_an_index() -> None:
    field = spec(CHOICE, choices=("2", "1"))
    assert check(field, "1") == Valid("1")


# --- numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"), [("3", "3"), (" 12 ", "12"), ("007", "7"), ("1.000", "1000"), ("+5", "5")]
)
def test_whole_numbers(text: str, stored: str) -> None:
    assert check(spec(NUMBER), text) == Valid(stored)


@pytest.mark.parametrize("text", ["ba", "1,5", "1.5", "2 con", "1e3", "9" * 40])
def test_not_whole_numbers(text: str) -> None:
    assert_invalid(check(spec(NUMBER), text), "số nguyên")


def test_number_bounds() -> None:
    field = spec(NUMBER, min_value=1, max_value=10)
    assert check(field, "1") == Valid("1")
    assert check(field, "10") == Valid("10")
    assert_invalid(check(field, "0"), "từ 1 đến 10")
    assert_invalid(check(field, "11"), "từ 1 đến 10")
    assert_invalid(check(spec(NUMBER, min_value=0), "-1"), "từ 0 trở lên")
    assert_invalid(check(spec(NUMBER, max_value=5), "6"), "không quá 5")
    assert check(field, "5").value == "5"
    assert "từ 1 đến 10" in check(field, "0").expected


# --- free text -------------------------------------------------------------------------------------------


def test_text_is_trimmed_and_nfc() -> None:
    assert check(spec(TEXT), "  Thôn   Đông,\n xã Tân Phú  ") == Valid("Thôn Đông, xã Tân Phú")
    assert check(spec(TEXT), nfd("Số nhà 5, thôn Hạ")) == Valid("Số nhà 5, thôn Hạ")


def test_text_length() -> None:
    field = spec(TEXT, min_length=5, max_length=20)
    assert check(field, "abcde") == Valid("abcde")
    assert_invalid(check(field, "abcd"), "ít nhất 5")
    assert_invalid(check(field, "x" * 21), "tối đa 20")
    assert check(field, "  abcde  ") == Valid("abcde")


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_text_with_control_characters_is_refused(control: str) -> None:
    assert_invalid(check(spec(TEXT), f"Thôn{control} Đông"), "ký tự điều khiển")


# --- robustness ------------------------------------------------------------------------------------------

HOSTILE_INPUTS = [
    "😀",
    "👨‍👩‍👧",
    "x" * 5000,
    "Nguyễn " * 800,
    "1" * 5000,
    "/" * 5000,
    "15/" * 1000,
    "\x00\x01\x02",
    "\u0301\u0301",
    "\ufeff",
    "{}",
    '/choose{"value": null}',
    '/choose{"value": ["Nam"]}',
    "'; DROP TABLE dossiers; --",
    "١٢٣٤٥٦٧٨٩٠١٢",
    "０９１２３４５６７８",
]


@pytest.mark.parametrize("field_type", FIELD_TYPES)
@pytest.mark.parametrize("text", HOSTILE_INPUTS)
def test_validation_never_raises(field_type: str, text: str, caplog: pytest.LogCaptureFixture) -> None:
    field = spec(
        field_type,
        choices=("Nam", "Nữ") if field_type == CHOICE else (),
        birth_date_field="birth_date",
        gender_field="gender",
        not_future=True,
    )
    with caplog.at_level(logging.ERROR, logger="bot.forms.validators"):
        result = check(field, text, {"birth_date": "not a date", "gender": "😀"})
    assert isinstance(result, (Valid, Invalid))
    assert caplog.records == []  # handled by the rules, not by the safety net


@pytest.mark.parametrize("field_type", FIELD_TYPES)
def test_none_is_treated_as_empty(field_type: str) -> None:
    field = spec(field_type, choices=("Nam", "Nữ") if field_type == CHOICE else ())
    assert isinstance(validate(field, None, {}, TODAY), Invalid)  # type: ignore[arg-type]


def test_5000_character_answers() -> None:
    assert_invalid(check(spec(TEXT), "a" * 5000), "5000 ký tự", "tối đa 200")
    assert check(spec(TEXT, max_length=5000), "a" * 5000) == Valid("a" * 5000)
    assert_invalid(check(spec(PERSON_NAME), "an " * 1700), "tối đa 200")
    assert_invalid(check(spec(DATE), "15/03/2024 " * 500))
