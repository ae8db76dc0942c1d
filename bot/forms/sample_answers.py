"""Valid answers for any declaration form, by field type: the demo commune's seeded dossiers, the tests and
the benchmark fill forms with them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.forms.cccd import gender_century_digit
from bot.forms.definitions import CCCD, CHOICE, DATE, NUMBER, PERSON_NAME, PHONE, FieldSpec


def answer_for(spec: FieldSpec, answers: dict[str, str], phone: str) -> str:
    """What a citizen could type for `spec`; `answers` holds what was typed before (for cross-checks)."""
    if spec.type == PERSON_NAME:
        return "nguyễn văn an"
    if spec.type == DATE:
        return "20/12/2030" if spec.not_past else "15/03/1990"
    if spec.type == CCCD:
        birth = answers.get(spec.birth_date_field or "", "15/03/1990")
        year = int(birth[-4:])
        gender = answers.get(spec.gender_field or "", "Nam")
        return f"001{gender_century_digit(gender, year)}{year % 100:02d}123456"
    if spec.type == PHONE:
        return phone
    if spec.type == CHOICE:
        return spec.choices[0]
    if spec.type == NUMBER:
        return str(spec.min_value or 1)
    return "Thôn 1, xã Tân Phú"


def latest_otp(outbox: Path, phone: str) -> str:
    """The 6-digit code of the latest SMS sent to `phone` (development SMS outbox)."""
    for line in reversed(outbox.read_text(encoding="utf-8").splitlines()):
        sms = json.loads(line)
        if sms["phone"] == phone:
            return re.search(r"\b(\d{6})\b", sms["text"]).group(1)
    raise LookupError(f"no SMS for {phone}")
