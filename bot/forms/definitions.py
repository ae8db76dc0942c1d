"""Form definitions: the fields each submittable procedure needs, read from data/procedures.yml.

Adding a procedure's form is a data change: a new entry in that file (see its header for the format).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

FORMS_PATH = PROJECT_ROOT / "data" / "procedures.yml"

# Field types and what validation does with them (bot/forms/validators.py):
TEXT = "text"  # free text, trimmed, length-checked
PERSON_NAME = "person_name"  # letters and spaces; stored in title case ("nguyễn văn an" -> "Nguyễn Văn An")
DATE = "date"  # "15/3/2024", "15-03-2024", "15.03.2024", "15 tháng 3 năm 2024"; stored as "dd/mm/yyyy"
CCCD = "cccd"  # 12 digits, valid province code; cross-checked with a birth date field when `birth_date_field`
PHONE = "phone"  # Vietnamese mobile number (phonenumbers); stored as "0912345678"
CHOICE = "choice"  # one of `choices`, by button or by text (diacritics optional)
NUMBER = "number"  # whole number within min/max
FIELD_TYPES = (TEXT, PERSON_NAME, DATE, CCCD, PHONE, CHOICE, NUMBER)


@dataclass(frozen=True)
class FieldSpec:
    name: str  # key in the stored answers, e.g. "child_full_name"
    label: str  # shown in the summary and the PDF, e.g. "Họ, chữ đệm, tên của trẻ"
    question: str  # asked in the chat, e.g. "Anh/chị cho em biết họ tên đầy đủ của cháu ạ?"
    type: str = TEXT
    required: bool = True
    help: str = ""  # shown after two failed tries, and on "giúp"
    choices: tuple[str, ...] = ()
    not_future: bool = False  # dates: must not be after today (birth dates, death dates)
    not_past: bool = False  # dates: must not be before today (appointments)
    min_value: int | None = None  # numbers
    max_value: int | None = None
    min_length: int = 1  # text
    max_length: int = 200
    birth_date_field: str | None = None  # CCCD: the answer to cross-check century/gender digit and birth year
    gender_field: str | None = None  # CCCD: the answer ("Nam"/"Nữ") to cross-check the gender digit
    # Asked only when an earlier choice field has this answer: {field: result_delivery, equals: Qua bưu điện}.
    only_if: dict[str, str] | None = None

    def applies(self, answers: dict[str, Any]) -> bool:
        """Whether this field is asked, given the answers so far (not while its condition is unanswered)."""
        return not self.only_if or answers.get(self.only_if["field"]) == self.only_if["equals"]


@dataclass(frozen=True)
class AttachmentSpec:
    name: str
    label: str  # e.g. "Giấy chứng sinh"
    required: bool = False


@dataclass(frozen=True)
class FormSpec:
    procedure_code: str  # national code, e.g. "1.001193"
    title: str  # e.g. "Tờ khai đăng ký khai sinh"
    fields: tuple[FieldSpec, ...]
    attachments: tuple[AttachmentSpec, ...] = field(default_factory=tuple)
    applicant_name_field: str = "applicant_full_name"  # whose name the dossier is filed under
    phone_field: str = "applicant_phone"  # the phone verified by OTP
    recipient: str = (
        ""  # the declaration's addressee when not the People's Committee, e.g. "Công an {commune}"
    )
    common_fields: tuple[str, ...] = ()  # names of the fields every form shares (common_fields in the file)

    def field(self, name: str) -> FieldSpec:
        return next(spec for spec in self.fields if spec.name == name)

    @property
    def paper_fields(self) -> tuple[FieldSpec, ...]:
        """The lines of the paper declaration: the form's own fields, not the common ones (delivery)."""
        return tuple(spec for spec in self.fields if spec.name not in self.common_fields)

    def asked(self, answers: dict[str, Any]) -> tuple[FieldSpec, ...]:
        """The fields asked for these answers (a conditional field whose condition is not met is skipped)."""
        return tuple(spec for spec in self.fields if spec.applies(answers))


class FormDefinitionError(ValueError):
    """data/procedures.yml is malformed; the message says where."""


def _field(code: str, raw: dict[str, Any]) -> FieldSpec:
    known = set(FieldSpec.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise FormDefinitionError(f"{code}: field {raw.get('name')!r} has unknown keys {sorted(unknown)}")
    spec = FieldSpec(**{**raw, "choices": tuple(raw.get("choices", ()))})
    if spec.only_if is not None and set(spec.only_if) != {"field", "equals"}:
        raise FormDefinitionError(f"{code}: field {spec.name!r}: only_if needs exactly 'field' and 'equals'")
    if spec.type not in FIELD_TYPES:
        raise FormDefinitionError(f"{code}: field {spec.name!r} has unknown type {spec.type!r}")
    if spec.type == CHOICE and not spec.choices:
        raise FormDefinitionError(f"{code}: choice field {spec.name!r} has no choices")
    return spec


def parse_forms(document: dict[str, Any]) -> dict[str, FormSpec]:
    forms: dict[str, FormSpec] = {}
    common = tuple(_field("common_fields", item) for item in document.get("common_fields") or ())
    for code, raw in (document.get("procedures") or {}).items():
        if "agency_code" in raw:
            raise FormDefinitionError(
                f"{code}: agency_code is no longer set per form: the commune's agency code is the setting "
                "DVC_AGENCY_CODE (.env)"
            )
        fields = tuple(_field(code, item) for item in raw.get("fields", ())) + common
        names = [spec.name for spec in fields]
        if len(set(names)) != len(names):
            raise FormDefinitionError(f"{code}: duplicate field names")
        form = FormSpec(
            procedure_code=str(code),
            title=raw["title"],
            fields=fields,
            attachments=tuple(AttachmentSpec(**item) for item in raw.get("attachments", ())),
            applicant_name_field=raw.get("applicant_name_field", "applicant_full_name"),
            phone_field=raw.get("phone_field", "applicant_phone"),
            recipient=raw.get("recipient", ""),
            common_fields=tuple(spec.name for spec in common),
        )
        for index, spec in enumerate(fields):
            if spec.only_if is None:
                continue
            earlier = {item.name: item for item in fields[:index]}
            parent = earlier.get(spec.only_if["field"])
            if parent is None or parent.type != CHOICE or spec.only_if["equals"] not in parent.choices:
                raise FormDefinitionError(
                    f"{code}: field {spec.name!r}: only_if must name an earlier choice field and one of "
                    "its choices"
                )
        for reference in (form.applicant_name_field, form.phone_field):
            if reference not in names:
                raise FormDefinitionError(f"{code}: {reference!r} is not one of its fields")
        forms[form.procedure_code] = form
    return forms


def load_forms(path: Path = FORMS_PATH) -> dict[str, FormSpec]:
    return parse_forms(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
