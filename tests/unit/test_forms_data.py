"""data/procedures.yml: the declaration forms of the submittable procedures.

The forms are data: these tests check the shipped file against the catalogue and the conventions of the chat
(applicant first, polite questions, short choices), show that another procedure's form is only a YAML entry,
and that a malformed entry is refused with a message naming the procedure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields as dataclass_fields

import pytest
import yaml

from bot.catalog.store import default_catalog
from bot.forms.definitions import (
    CCCD,
    CHOICE,
    DATE,
    FORMS_PATH,
    NUMBER,
    PERSON_NAME,
    PHONE,
    FieldSpec,
    FormDefinitionError,
    FormSpec,
    load_forms,
    parse_forms,
)
from bot.replies import intent_payload

# national code -> words of the catalogue's name
EXPECTED = {
    "1.001193": "đăng ký khai sinh",
    "1.000894": "đăng ký kết hôn",
    "1.000656": "đăng ký khai tử",
    "1.004873": "cấp giấy xác nhận tình trạng hôn nhân",
    "1.004222": "đăng ký thường trú",
    "2.000635": "cấp bản sao trích lục hộ tịch",
}
# forms whose paper version asks the applicant's relationship to the person concerned -> that field
RELATIONSHIP_FIELDS = {
    "1.001193": "applicant_relationship",
    "1.000656": "applicant_relationship",
    "2.000635": "applicant_relationship",
    "1.004222": "relationship_to_head",
}
COMMON_FIELDS = {"result_delivery", "delivery_address"}  # data/procedures.yml common_fields
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
TELEGRAM_CALLBACK_LIMIT = 64  # bytes of a button's payload; a choice is sent as /choose{"value":"..."}


@pytest.fixture(scope="module")
def forms() -> dict[str, FormSpec]:
    return load_forms()


def check_form(form: FormSpec) -> None:
    """The conventions every form follows, shipped or added by a commune."""
    code = form.procedure_code
    names = [spec.name for spec in form.fields]
    own = [spec for spec in form.fields if spec.name not in COMMON_FIELDS]
    assert 6 <= len(own) <= 16, f"{code}: {len(own)} fields of its own"
    assert all(SNAKE_CASE.match(name) for name in names), code

    # The applicant comes first: name, (gender,) birth date, CCCD cross-checked with it, phone.
    assert form.fields[0].name == form.applicant_name_field == "applicant_full_name", code
    assert form.field(form.applicant_name_field).type == PERSON_NAME
    assert form.field(form.phone_field).type == PHONE
    applicant = [spec for spec in form.fields if spec.name.startswith("applicant_")][:5]
    assert {"applicant_birth_date", "applicant_cccd", "applicant_phone"} <= {spec.name for spec in applicant}
    assert form.field("applicant_cccd").type == CCCD
    assert form.field("applicant_cccd").birth_date_field == "applicant_birth_date", code

    for index, spec in enumerate(form.fields):
        where = f"{code}.{spec.name}"
        assert spec.label.strip() and spec.question.strip(), where
        assert spec.question.startswith("Dạ,") or "anh/chị" in spec.question, where
        assert spec.question.endswith(("?", "ạ.")), f"{where}: a question ends politely, with '?' or 'ạ.'"
        if spec.type == CHOICE:
            assert spec.choices and len(set(spec.choices)) == len(spec.choices), where
            for choice in spec.choices:
                payload = intent_payload("choose", value=choice)
                assert len(payload.encode()) <= TELEGRAM_CALLBACK_LIMIT and '"' not in choice, (where, choice)
        else:
            assert not spec.choices, where
        if spec.type == DATE and ("birth" in spec.name or "death" in spec.name):
            assert spec.not_future, f"{where}: a birth or death date cannot be in the future"
        if spec.type == NUMBER:
            assert spec.min_value is not None and spec.max_value is not None, where
            assert spec.min_value <= spec.max_value, where
        earlier = {other.name: other for other in form.fields[:index]}
        if spec.birth_date_field:
            assert spec.type == CCCD and earlier[spec.birth_date_field].type == DATE, where
        if spec.gender_field:
            assert spec.type == CCCD and earlier[spec.gender_field].choices == ("Nam", "Nữ"), where

    attachment_names = [attachment.name for attachment in form.attachments]
    assert len(set(attachment_names)) == len(attachment_names), code
    assert all(SNAKE_CASE.match(name) for name in attachment_names), code
    assert all(attachment.label.strip() for attachment in form.attachments), code


# -- the shipped forms -----------------------------------------------------------------------------------


def test_the_six_commune_procedures_have_forms_named_as_in_the_catalogue(forms: dict[str, FormSpec]):
    catalogue = default_catalog()
    assert set(EXPECTED) <= set(forms)
    for code, words in EXPECTED.items():
        procedure = catalogue.get(code)
        assert procedure is not None, f"{code} is not in the catalogue"
        assert words in procedure.name.lower(), (code, procedure.name)
        assert "Cấp xã" in procedure.levels, code


def test_every_form_in_the_file_exists_in_the_catalogue(forms: dict[str, FormSpec]):
    catalogue = default_catalog()
    assert [code for code in forms if catalogue.get(code) is None] == []


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_form_follows_the_conventions(forms: dict[str, FormSpec], code: str):
    form = forms[code]
    check_form(form)


@pytest.mark.parametrize(("code", "field"), sorted(RELATIONSHIP_FIELDS.items()))
def test_relationship_to_the_person_concerned_is_asked(forms: dict[str, FormSpec], code: str, field: str):
    spec = forms[code].field(field)
    assert spec.type == CHOICE and "Người thân khác" in spec.choices


def test_birth_registration_mirrors_the_paper_form(forms: dict[str, FormSpec]):
    form = forms["1.001193"]
    names = [spec.name for spec in form.fields]
    for name in (
        "child_full_name",
        "child_gender",
        "child_birth_date",
        "child_birth_place",
        "child_ethnicity",
        "child_nationality",
        "child_hometown",
        "mother_full_name",
        "father_full_name",
    ):
        assert name in names
    assert form.field("child_gender").choices == ("Nam", "Nữ")
    assert {"Cha", "Mẹ", "Ông", "Bà"} <= set(form.field("applicant_relationship").choices)
    assert "cơ sở y tế" in form.field("child_birth_place").help
    assert not form.field("father_full_name").required  # the father may be unknown
    assert any(a.required and "Giấy chứng sinh" in a.label for a in form.attachments)


def test_marriage_asks_both_parties(forms: dict[str, FormSpec]):
    form = forms["1.000894"]
    for party in ("applicant", "partner"):
        for item in ("full_name", "birth_date", "cccd", "ethnicity", "nationality", "residence"):
            form.field(f"{party}_{item}")
    assert form.field("partner_cccd").birth_date_field == "partner_birth_date"


def test_death_registration(forms: dict[str, FormSpec]):
    form = forms["1.000656"]
    assert not form.field("deceased_cccd").required
    assert form.field("death_date").not_future and form.field("deceased_birth_date").not_future
    assert form.field("death_cause").type == "text" and form.field("death_place").type == "text"
    assert any(a.required and "Giấy báo tử" in a.label for a in form.attachments)


def test_marital_status_choices(forms: dict[str, FormSpec]):
    form = forms["1.004873"]
    assert form.field("marital_status").choices == (
        "Chưa kết hôn",
        "Đã ly hôn",
        "Vợ/chồng đã chết",
        "Đang có vợ/chồng",
    )
    assert form.field("purpose").required


def test_permanent_residence_names_the_household_head(forms: dict[str, FormSpec]):
    form = forms["1.004222"]
    for name in ("current_address", "new_permanent_address", "household_head_full_name", "request_content"):
        form.field(name)
    assert form.field("household_head_cccd").type == CCCD


def test_civil_status_copy(forms: dict[str, FormSpec]):
    form = forms["2.000635"]
    assert {"Khai sinh", "Kết hôn", "Khai tử"} <= set(form.field("record_type").choices)
    copies = form.field("copies")
    assert (copies.type, copies.min_value, copies.max_value) == (NUMBER, 1, 10)


def test_texts_are_nfc():
    """Every character precomposed, as the chat compares and the PDF font renders (an editor may save NFD)."""
    text = FORMS_PATH.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)


def test_header_documents_every_key_for_the_commune_it_person():
    header = "".join(
        line for line in FORMS_PATH.read_text(encoding="utf-8").splitlines(True) if line[:1] == "#"
    )
    keys = [item.name for item in dataclass_fields(FieldSpec)] + ["title", "attachments"]
    for key in [*keys, "common_fields"]:
        assert re.search(rf"#\s+(- )?{key}:", header), (
            f"the header of procedures.yml does not explain {key!r}"
        )
    assert "EXAMPLE" in header


# -- adding a procedure is a data change -----------------------------------------------------------------

GUARDIANSHIP = """
procedures:
  "1.004837":
    title: "Tờ khai đăng ký giám hộ"
    fields:
      - {name: applicant_full_name, label: "Họ, chữ đệm, tên người yêu cầu", type: person_name,
         question: "Dạ, anh/chị cho em xin họ tên đầy đủ ạ?"}
      - {name: applicant_birth_date, label: "Ngày, tháng, năm sinh", type: date, not_future: true,
         question: "Dạ, anh/chị sinh ngày nào ạ?"}
      - {name: applicant_cccd, label: "Số định danh cá nhân", type: cccd,
         birth_date_field: applicant_birth_date, question: "Dạ, anh/chị cho em xin số căn cước công dân ạ?"}
      - {name: applicant_phone, label: "Số điện thoại", type: phone,
         question: "Dạ, anh/chị cho em số điện thoại di động ạ?"}
      - {name: ward_full_name, label: "Họ, chữ đệm, tên người được giám hộ", type: person_name,
         question: "Dạ, người được giám hộ tên là gì ạ?"}
      - {name: ward_birth_date, label: "Ngày, tháng, năm sinh của người được giám hộ", type: date,
         not_future: true, question: "Dạ, người được giám hộ sinh ngày nào ạ?"}
      - {name: guardianship_kind, label: "Loại giám hộ", type: choice, choices: ["Đương nhiên", "Cử"],
         question: "Dạ, đây là giám hộ đương nhiên hay giám hộ cử ạ?",
         help: "Giám hộ đương nhiên: anh, chị ruột, ông bà... theo Bộ luật Dân sự."}
    attachments:
      - {name: guardianship_paper, label: "Văn bản cử người giám hộ (nếu giám hộ cử)"}
"""


def test_a_new_procedure_is_a_yaml_entry():
    forms = parse_forms(yaml.safe_load(GUARDIANSHIP))
    form = forms["1.004837"]
    check_form(form)
    assert form.field("guardianship_kind").choices == ("Đương nhiên", "Cử")
    assert form.attachments[0].required is False
    assert default_catalog().get("1.004837") is not None


def test_a_new_entry_appended_to_the_shipped_file_loads_with_the_others(tmp_path):
    shipped = FORMS_PATH.read_text(encoding="utf-8")
    entry = GUARDIANSHIP.split("procedures:\n", 1)[1]
    path = tmp_path / "procedures.yml"
    path.write_text(shipped.rstrip() + "\n\n" + entry, encoding="utf-8")
    forms = load_forms(path)
    assert set(forms) == set(load_forms()) | {"1.004837"}


# -- malformed definitions are refused, naming the procedure ----------------------------------------------


def _spoil_type(entry: dict) -> None:
    entry["fields"][1]["type"] = "email"


def _spoil_key(entry: dict) -> None:
    entry["fields"][1]["placeholder"] = "dd/mm/yyyy"


def _spoil_choices(entry: dict) -> None:
    del entry["fields"][6]["choices"]


def _spoil_phone(entry: dict) -> None:
    entry["phone_field"] = "applicant_mobile"


def _spoil_applicant(entry: dict) -> None:
    entry["applicant_name_field"] = "full_name"


def _spoil_duplicate(entry: dict) -> None:
    entry["fields"].append(dict(entry["fields"][0]))


def _spoil_agency(entry: dict) -> None:
    entry["agency_code"] = "000.00.12.H23"  # the commune's code is a setting now, not a form's


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_spoil_type, "unknown type 'email'"),
        (_spoil_key, "unknown keys ['placeholder']"),
        (_spoil_choices, "has no choices"),
        (_spoil_phone, "'applicant_mobile' is not one of its fields"),
        (_spoil_applicant, "'full_name' is not one of its fields"),
        (_spoil_duplicate, "duplicate field names"),
        (_spoil_agency, "DVC_AGENCY_CODE"),
    ],
)
def test_malformed_definition_is_refused_with_the_procedure_code(spoil, message: str):
    document = yaml.safe_load(GUARDIANSHIP)
    spoil(document["procedures"]["1.004837"])
    with pytest.raises(FormDefinitionError) as raised:
        parse_forms(document)
    assert str(raised.value).startswith("1.004837: ")
    assert message in str(raised.value)


def test_every_form_ends_with_how_the_result_comes_back(forms: dict[str, FormSpec]):
    for form in forms.values():
        delivery = form.field("result_delivery")
        assert delivery.type == CHOICE and "Nhận trực tuyến" in delivery.choices
        address = form.field("delivery_address")
        assert address.only_if == {"field": "result_delivery", "equals": "Qua bưu điện"}
        assert address not in form.asked({"result_delivery": "Nhận trực tuyến"})
        assert address in form.asked({"result_delivery": "Qua bưu điện"})


def test_a_condition_must_name_an_earlier_choice_and_one_of_its_answers():
    document = yaml.safe_load(GUARDIANSHIP)
    fields = document["procedures"]["1.004837"]["fields"]
    fields.append(
        {"name": "extra", "label": "X", "question": "Dạ, X ạ?", "only_if": {"field": "nope", "equals": "a"}}
    )
    with pytest.raises(FormDefinitionError, match="only_if"):
        parse_forms(document)
