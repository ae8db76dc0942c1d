"""Validate one answer a citizen typed for one form field (bot/forms/definitions.py describes the types).

`validate` never raises: it returns `Valid(value)` with the value to store (dates "dd/mm/yyyy", names in
title case, phones "0912345678", CCCD digits, choices exactly as declared) or `Invalid(message, expected)`,
a polite Vietnamese message saying what is wrong and the expected format, shown after two failed tries.
Messages never repeat a whole CCCD or phone number back (Decree 13/2023 on personal data).
"""

from __future__ import annotations

import calendar
import json
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import phonenumbers

from bot.forms.cccd import CCCD_LENGTH, FEMALE, MALE, describe_cccd, province_name
from bot.forms.definitions import CCCD, CHOICE, DATE, NUMBER, PERSON_NAME, PHONE, TEXT, FieldSpec
from bot.text.normalize import fold, normalize_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Valid:
    value: str  # what is stored


@dataclass(frozen=True)
class Invalid:
    message: str  # polite Vietnamese, says what is wrong
    expected: str  # the expected format, shown after two failed tries


Result = Valid | Invalid

DATE_FORMAT = "%d/%m/%Y"  # how dates are stored
MIN_YEAR = 1900
MAX_NAME_WORDS = 8
MAX_NUMBER_DIGITS = 15
_MAX_SHORT_INPUT = 300  # dates, CCCD, phones, numbers, choices: anything longer is not one of them
# What a citizen types to leave an optional field empty, folded (no diacritics, lower case).
SKIP_WORDS = frozenset({"bo qua", "khong co", "-"})

_EXPECTED = {
    PERSON_NAME: "họ, chữ đệm và tên bằng chữ cái, ví dụ Nguyễn Văn An",
    DATE: "ngày/tháng/năm với năm đủ 4 chữ số, ví dụ 15/03/2024",
    CCCD: "12 chữ số, ví dụ 001203012345",
    PHONE: "số di động Việt Nam gồm 10 chữ số, ví dụ 0912345678",
}
_ALLOWED_CONTROL = frozenset("\t\n\r")
_NAME_PUNCTUATION = frozenset("-'’")
_NAME_PART_SEPARATOR = re.compile(r"([-'’])")
# "15/3/2024", "15-03-2024", "15.03.2024", "15 3 2024", "ngay 15 thang 3 nam 2024" (matched on folded text).
_DATE_DMY = re.compile(
    r"(?:ngay\s*)?(\d{1,2})(?:\s*[/.\-]\s*|\s*thang\s*|\s+)(\d{1,2})(?:\s*[/.\-,]\s*|\s*,?\s*nam\s*|\s+)(\d+)"
)
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_CCCD_SEPARATORS = re.compile(r"[\s.\-]")
_DIGITS = re.compile(r"[0-9]+")
_PHONE_CHARACTERS = re.compile(r"[0-9+\s.\-()]+")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")
_INTEGER = re.compile(rf"[+-]?\d{{1,{MAX_NUMBER_DIGITS}}}")
_PAYLOAD = re.compile(r"/\w+(\{.*\})", re.DOTALL)
_CHOICE_INDEX = re.compile(r"(?:so\s*)?(\d{1,3})[.)]?")
_TRAILING_PARTICLES = re.compile(r"(?:\s+(?:ạ|nhé|nha|ah))*[\s.!?,;]*$")


def validate(spec: FieldSpec, text: str, answers: Mapping[str, str], today: date) -> Valid | Invalid:
    """Check what the citizen typed for `spec`; `answers` are the fields already answered (cross-checks)."""
    raw = "" if text is None else text if isinstance(text, str) else str(text)
    try:
        return _validate(spec, raw, answers or {}, today)
    except Exception:  # a bug must not end the conversation; log it without the (personal) input
        logger.exception("validator failed for field %s (type %s)", spec.name, spec.type)
        return Invalid(
            "Dạ, em chưa kiểm tra được thông tin này, anh/chị vui lòng nhập lại giúp em ạ.", expected(spec)
        )


def expected(spec: FieldSpec) -> str:
    """The expected format of a field, in Vietnamese."""
    if spec.type == CHOICE:
        return f"một trong các lựa chọn: {', '.join(spec.choices)} (hoặc gõ số thứ tự 1–{len(spec.choices)})"
    if spec.type == NUMBER:
        return "số nguyên" + _range_text(spec.min_value, spec.max_value)
    if spec.type == TEXT:
        return f"từ {spec.min_length} đến {spec.max_length} ký tự"
    return _EXPECTED.get(spec.type, f"tối đa {spec.max_length} ký tự")


def _validate(spec: FieldSpec, raw: str, answers: Mapping[str, str], today: date) -> Valid | Invalid:
    cleaned = normalize_text(raw)
    if not cleaned:
        if spec.required:
            return _invalid(
                spec, f"Dạ, mục «{spec.label}» không được để trống, anh/chị vui lòng nhập giúp em ạ."
            )
        return Valid("")
    if not spec.required and fold(cleaned) in SKIP_WORDS:
        return Valid("")
    if spec.type not in (TEXT, PERSON_NAME) and len(cleaned) > _MAX_SHORT_INPUT:
        return _invalid(spec, "Dạ, nội dung anh/chị nhập dài quá so với thông tin em cần ạ.")
    if spec.type == PERSON_NAME:
        return _person_name(spec, raw)
    if spec.type == DATE:
        return _date(spec, cleaned, today)
    if spec.type == CCCD:
        return _cccd(spec, cleaned, answers, today)
    if spec.type == PHONE:
        return _phone(spec, cleaned)
    if spec.type == CHOICE:
        return _choice(spec, raw, cleaned)
    if spec.type == NUMBER:
        return _number(spec, cleaned)
    return _text(spec, raw, cleaned)


def _invalid(spec: FieldSpec, message: str) -> Invalid:
    return Invalid(message, expected(spec))


# --- names -------------------------------------------------------------------------------------------


def _clean_keeping_letters(raw: str) -> str:
    """NFC, control/format characters dropped, whitespace collapsed; unlike normalize_text the citizen's
    own tone placement is kept ("Hoà" stays "Hoà"): a name is written the way its owner writes it."""
    composed = unicodedata.normalize("NFC", raw)
    kept = "".join(
        char for char in composed if unicodedata.category(char) not in ("Cc", "Cf") or char.isspace()
    )
    return " ".join(kept.split())


def _is_latin_letter(char: str) -> bool:
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN")


def _recased(text: str, upper: bool) -> str:
    """Change the case of each letter that has a one-letter counterpart; 'ß' -> 'SS' or 'İ' -> 'i̇' (with a
    combining dot) would make the stored name one that this validator itself refuses."""
    changed = (char.upper() if upper else char.lower() for char in text)
    return "".join(new if len(new) == 1 else old for old, new in zip(text, changed, strict=True))


def _title_word(word: str) -> str:
    """'nguyễn' -> 'Nguyễn', 'ĐỖ' -> 'Đỗ', "h'hen" -> "H'Hen", 'y-moan' -> 'Y-Moan'."""
    parts = _NAME_PART_SEPARATOR.split(word)
    return "".join(_recased(part[:1], upper=True) + _recased(part[1:], upper=False) for part in parts)


def _person_name(spec: FieldSpec, raw: str) -> Valid | Invalid:
    name = _clean_keeping_letters(raw)
    if len(name) > spec.max_length:
        return _invalid(spec, f"Dạ, họ tên dài quá, tối đa {spec.max_length} ký tự ạ.")
    if any(char.isdigit() for char in name):
        return _invalid(spec, "Dạ, họ tên không được chứa chữ số ạ.")
    if any(not (_is_latin_letter(char) or char == " " or char in _NAME_PUNCTUATION) for char in name):
        return _invalid(spec, "Dạ, họ tên chỉ gồm chữ cái (có dấu hoặc không dấu) và dấu cách ạ.")
    words = name.split(" ")
    if any(not any(char.isalpha() for char in word) for word in words):
        return _invalid(spec, "Dạ, họ tên chỉ gồm chữ cái (có dấu hoặc không dấu) và dấu cách ạ.")
    if len(words) > MAX_NAME_WORDS:
        return _invalid(
            spec, f"Dạ, họ tên có nhiều nhất {MAX_NAME_WORDS} chữ ạ. Anh/chị kiểm tra lại giúp em."
        )
    return Valid(" ".join(_title_word(word) for word in words))


# --- dates -------------------------------------------------------------------------------------------


def parse_stored_date(value: str | None) -> date | None:
    """A stored answer "dd/mm/yyyy" back to a date; None when absent or not in that form."""
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), DATE_FORMAT).date()
    except ValueError:
        return None


def _date(spec: FieldSpec, cleaned: str, today: date) -> Valid | Invalid:
    folded = fold(cleaned).rstrip(" .")
    if match := _DATE_DMY.fullmatch(folded):
        day_text, month_text, year_text = match.groups()
    elif match := _DATE_ISO.fullmatch(folded):
        year_text, month_text, day_text = match.groups()
    else:
        return _invalid(
            spec, "Dạ, em chưa đọc được ngày anh/chị nhập. Anh/chị vui lòng ghi theo dạng ngày/tháng/năm ạ."
        )
    if len(year_text) != 4:
        return _invalid(spec, "Dạ, anh/chị vui lòng ghi năm đủ 4 chữ số (ví dụ 2024) ạ.")
    day, month, year = int(day_text), int(month_text), int(year_text)
    if year < MIN_YEAR:
        return _invalid(spec, f"Dạ, năm phải từ {MIN_YEAR} trở về sau ạ.")
    if not 1 <= month <= 12:
        return _invalid(spec, "Dạ, tháng phải từ 1 đến 12 ạ.")
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        return _invalid(
            spec,
            f"Dạ, ngày {day:02d}/{month:02d}/{year} không có trên lịch "
            f"(tháng {month} năm {year} có {days_in_month} ngày) ạ.",
        )
    value = date(year, month, day)
    if spec.not_future and value > today:
        return _invalid(spec, f"Dạ, ngày này không thể sau hôm nay ({today:{DATE_FORMAT}}) ạ.")
    if spec.not_past and value < today:
        return _invalid(
            spec, f"Dạ, anh/chị vui lòng chọn một ngày từ hôm nay ({today:{DATE_FORMAT}}) trở đi ạ."
        )
    return Valid(f"{value:{DATE_FORMAT}}")


# --- CCCD --------------------------------------------------------------------------------------------


def _declared_gender(value: str | None) -> str | None:
    folded = fold(value or "")
    return {"nam": MALE, "nu": FEMALE}.get(folded)


def _cccd(spec: FieldSpec, cleaned: str, answers: Mapping[str, str], today: date) -> Valid | Invalid:
    number = _CCCD_SEPARATORS.sub("", cleaned)
    if not _DIGITS.fullmatch(number):
        return _invalid(spec, "Dạ, số CCCD chỉ gồm các chữ số ạ.")
    if len(number) != CCCD_LENGTH:
        message = f"Dạ, số CCCD phải gồm đúng {CCCD_LENGTH} chữ số ạ (anh/chị vừa nhập {len(number)} chữ số)."
        if len(number) == 9:
            message += " Nếu đó là số CMND 9 số, anh/chị vui lòng nhập số CCCD 12 số giúp em ạ."
        return _invalid(spec, message)
    if province_name(number[:3]) is None:
        return _invalid(
            spec,
            f"Dạ, 3 chữ số đầu của số CCCD là mã tỉnh nơi đăng ký khai sinh, nhưng {number[:3]} "
            "không phải mã tỉnh nào ạ. Anh/chị kiểm tra lại giúp em.",
        )
    info = describe_cccd(number)
    if info.birth_year > today.year:
        return _invalid(
            spec,
            f"Dạ, chữ số thứ 4 đến 6 của số CCCD cho năm sinh {info.birth_year}, chưa tới năm đó ạ. "
            "Anh/chị kiểm tra lại giúp em.",
        )
    birth = parse_stored_date(answers.get(spec.birth_date_field)) if spec.birth_date_field else None
    if birth is not None:
        if birth.year // 100 * 100 != info.century_start:
            return _invalid(
                spec,
                f"Dạ, chữ số thứ 4 của số CCCD ({number[3]}) dành cho người sinh từ {info.century_start} "
                f"đến {info.century_start + 99}, không khớp với ngày sinh {birth:{DATE_FORMAT}} đã khai ạ.",
            )
        if birth.year % 100 != int(info.birth_year_digits):
            return _invalid(
                spec,
                f"Dạ, chữ số thứ 5 và 6 của số CCCD phải là hai số cuối của năm sinh {birth.year} "
                f"({birth.year % 100:02d}), nhưng anh/chị nhập {info.birth_year_digits} ạ.",
            )
    gender = _declared_gender(answers.get(spec.gender_field)) if spec.gender_field else None
    if gender is not None and gender != info.gender:
        return _invalid(
            spec,
            f"Dạ, chữ số thứ 4 của số CCCD ({number[3]}) là của giới tính {info.gender}, "
            f"không khớp với giới tính {gender} đã khai ạ.",
        )
    return Valid(number)


# --- phones ------------------------------------------------------------------------------------------


def _phone(spec: FieldSpec, cleaned: str) -> Valid | Invalid:
    if not _PHONE_CHARACTERS.fullmatch(cleaned):
        return _invalid(spec, "Dạ, số điện thoại chỉ gồm các chữ số ạ.")
    try:
        number = phonenumbers.parse(cleaned, "VN")
    except phonenumbers.NumberParseException:
        return _invalid(spec, "Dạ, em chưa đọc được số điện thoại này ạ.")
    if number.country_code != 84:
        return _invalid(spec, "Dạ, em chỉ nhận số di động Việt Nam (+84) ạ.")
    if not phonenumbers.is_valid_number(number):
        return _invalid(spec, "Dạ, số điện thoại chưa đúng, số di động gồm 10 chữ số (bắt đầu bằng 0) ạ.")
    number_type = phonenumbers.number_type(number)
    if number_type != phonenumbers.PhoneNumberType.MOBILE:
        kind = (
            "là số máy bàn"
            if number_type == phonenumbers.PhoneNumberType.FIXED_LINE
            else "không phải số di động"
        )
        return _invalid(
            spec, f"Dạ, số này {kind}; anh/chị vui lòng cho em số di động để nhận tin nhắn (mã OTP) ạ."
        )
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return Valid(re.sub(r"\D", "", national))


# --- choices -----------------------------------------------------------------------------------------


def _matching_choice(spec: FieldSpec, candidate: str) -> str | None:
    """The declared choice `candidate` names: exact, then NFC-normalised, then folded (if unambiguous)."""
    if candidate in spec.choices:
        return candidate
    for key in (normalize_text, fold):
        wanted = key(candidate)
        found = [choice for choice in spec.choices if key(choice) == wanted]
        if len(found) == 1:
            return found[0]
    return None


def _payload_value(raw: str) -> str | None:
    """'/choose{"value": "Nam"}' (a button payload) -> 'Nam'."""
    match = _PAYLOAD.fullmatch(raw.strip())
    if not match:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return None
    value = data.get("value") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _choice(spec: FieldSpec, raw: str, cleaned: str) -> Valid | Invalid:
    payload = _payload_value(raw)
    if payload is not None and (choice := _matching_choice(spec, payload)):
        return Valid(choice)
    for candidate in (cleaned, _TRAILING_PARTICLES.sub("", cleaned)):
        if candidate and (choice := _matching_choice(spec, candidate)):
            return Valid(choice)
    if (match := _CHOICE_INDEX.fullmatch(fold(cleaned))) and 1 <= int(match.group(1)) <= len(spec.choices):
        return Valid(spec.choices[int(match.group(1)) - 1])
    listed = "; ".join(f"{index}. {choice}" for index, choice in enumerate(spec.choices, start=1))
    return _invalid(spec, f"Dạ, anh/chị vui lòng chọn một trong các mục sau ạ: {listed}.")


# --- numbers and free text ---------------------------------------------------------------------------


def _range_text(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" từ {minimum} đến {maximum}"
    if minimum is not None:
        return f" từ {minimum} trở lên"
    if maximum is not None:
        return f" không quá {maximum}"
    return ""


def _number(spec: FieldSpec, cleaned: str) -> Valid | Invalid:
    compact = cleaned.replace(" ", "")
    if _THOUSANDS.fullmatch(compact):  # "1.000" is one thousand in Vietnamese writing
        compact = compact.replace(".", "")
    if not _INTEGER.fullmatch(compact):
        return _invalid(spec, "Dạ, anh/chị vui lòng nhập một số nguyên, chỉ gồm chữ số ạ.")
    value = int(compact)
    too_small = spec.min_value is not None and value < spec.min_value
    too_large = spec.max_value is not None and value > spec.max_value
    if too_small or too_large:
        return _invalid(spec, f"Dạ, số này phải{_range_text(spec.min_value, spec.max_value)} ạ.")
    return Valid(str(value))


def _has_control_characters(raw: str) -> bool:
    return any(unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROL for char in raw)


def _text(spec: FieldSpec, raw: str, cleaned: str) -> Valid | Invalid:
    if _has_control_characters(raw):
        return _invalid(
            spec, "Dạ, nội dung có ký tự điều khiển không hợp lệ, anh/chị vui lòng gõ lại giúp em ạ."
        )
    if len(cleaned) < spec.min_length:
        return _invalid(spec, f"Dạ, nội dung ngắn quá, cần ít nhất {spec.min_length} ký tự ạ.")
    if len(cleaned) > spec.max_length:
        return _invalid(
            spec, f"Dạ, nội dung dài quá ({len(cleaned)} ký tự), tối đa {spec.max_length} ký tự ạ."
        )
    return Valid(cleaned)
