"""No personal data in log lines: the masking rules on real Rasa debug lines, and the filter installed in a
process (record factory and handlers)."""

import io
import json
import logging

import pytest

from bot.privacy import log_masking
from bot.privacy.log_masking import PersonalDataFilter, install, mask_message

CCCD = "001090123456"
PHONE = "0912345678"


@pytest.mark.parametrize(
    "line",
    [
        f"Citizen typed {CCCD} as the answer",
        "CCCD 001 090 123456 was given",
        "CCCD 001.090.123.456 was given",
        "old CMND 123456789 here",
        f"phone {PHONE}.",
        "phone 0912 345 678 given",
        "phone 0912.345.678 given",
        "phone +84 912 345 678 given",
        "phone 84912345678 given",
        "landline 0212 3822 123",
        "mail nguyen.an@example.vn sent",
    ],
)
def test_identity_numbers_phones_and_emails_are_masked(line):
    masked = mask_message(line)
    digits = "".join(character for character in masked if character.isdigit())
    assert len(digits) < 9, masked
    assert "@" not in masked and masked.split()[0] == line.split()[0]


@pytest.mark.parametrize(
    "line",
    [
        "confidence 0.5741254091262817 for affirm",
        "timestamp 1796099882.092027 and 1796099882",
        "dossier 000.00.12.H23-261201-0001 created",
        "Action endpoint is up and running on http://0.0.0.0:29316",
        "model afbd9cb90dc44b31a6f2666c041e3c2f loaded, 1764567890123 ms",
        "upload 3f0912345678ab9c4d",
    ],
)
def test_codes_times_and_hex_ids_are_left_alone(line):
    assert mask_message(line) == line


def test_names_and_private_link_tokens_are_masked():
    masked = mask_message(
        "hồ sơ của Nguyễn Văn An, tên con là minh anh; "
        "http://x/dossiers/C/declaration.pdf?t=1504eb2816f24ca80cf556a02ae0f980"
    )
    assert "Nguyễn" not in masked and "Văn An" not in masked and "minh anh" not in masked
    assert "1504eb2816f24ca80cf556a02ae0f980" not in masked and "declaration.pdf?t=" in masked


def rasa_json(**event) -> str:
    return json.dumps({**event, "event": "processor.x", "level": "debug"})  # as structlog renders it


def test_rasa_structured_events_keep_intents_and_lose_texts_and_personal_slots():
    state = {"procedure_code": "1.001193", "answers": {"applicant_full_name": "Nguyễn Văn An"}}
    lines = [
        rasa_json(
            parse_data_text="nguyễn văn an",
            parse_data_intent={"name": "ask_procedure", "confidence": 0.57},
            parse_data_entities=[
                {"entity": "procedure", "start": 0, "end": 13, "value": "nguyễn văn an"},
                {"entity": "procedure_code", "start": 0, "end": 8, "value": "1.001193"},
            ],
        ),
        rasa_json(
            slot_values=f"\tprocedure_code: 1.001193\n\tpending_aspect: None\n\tdossier_state: {state}"
        ),
        rasa_json(
            action_name="dossier_form",
            rasa_events=[
                "SlotSet(key: dossier_input, value: None)",
                f"SlotSet(key: dossier_state, value: {state})",
                "SlotSet(key: requested_slot, value: dossier_input)",
                "BotUttered('Dạ, kiểm tra lại: • Họ tên: Nguyễn Văn An', {\"buttons\": null}, {}, 1.5)",
            ],
        ),
        rasa_json(
            current_states="\n[state 1] user text: tôi tên An, sđt 0912345678 | previous action name: x"
        ),
        rasa_json(slot_candidates={"dossier_input": "thôn 1, xã tân phú"}),
        "UserUttered(text: thôn 1, xã tân phú, intent: inform, use_text_for_featurization: False)",
    ]
    masked = "\n".join(mask_message(line) for line in lines)
    for personal in ("nguy", "Nguy", "An'", "0912345678", "thôn 1", "tân phú"):
        assert personal not in masked.lower() if personal.islower() else personal not in masked, personal
    decoded = [json.loads(line) for line in masked.splitlines()[:5]]
    assert decoded[0]["parse_data_intent"]["name"] == "ask_procedure"
    assert decoded[0]["parse_data_entities"][1]["value"] == "1.001193"  # a code is not personal
    assert "procedure_code: 1.001193" in decoded[1]["slot_values"]
    assert "pending_aspect: None" in decoded[1]["slot_values"]
    assert decoded[2]["rasa_events"][0] == "SlotSet(key: dossier_input, value: None)"
    assert decoded[2]["rasa_events"][1] == "SlotSet(key: dossier_state, value: [đã ẩn])"
    assert decoded[2]["rasa_events"][3].startswith("BotUttered('[đã ẩn]', ")
    assert decoded[2]["rasa_events"][2] == "SlotSet(key: requested_slot, value: dossier_input)"
    assert "previous action name: x" in decoded[3]["current_states"]


def test_values_of_personal_keys_are_hidden_in_any_line():
    masked = mask_message(
        "answers={'applicant_full_name': 'Trần Thị Bình', 'copies': '2'} applicant_phone: 0912"
    )
    assert "Bình" not in masked and "0912" not in masked and "answers=" in masked


@pytest.fixture
def clean_logging():
    """Restore the process's record factory and the test logger after installing the masking."""
    factory, installed = logging.getLogRecordFactory(), log_masking._installed_factory
    root_filters = list(logging.getLogger().filters)
    yield
    logging.setLogRecordFactory(factory)
    logging.getLogger().filters[:] = root_filters
    log_masking._installed_factory = installed


def test_install_masks_records_of_handlers_created_before_and_after(clean_logging):
    before, after = io.StringIO(), io.StringIO()
    early = logging.getLogger("test.privacy.early")
    early.addHandler(logging.StreamHandler(before))
    install()
    install()  # idempotent: one wrapper, one filter
    assert sum(isinstance(f, PersonalDataFilter) for f in early.handlers[0].filters) == 1
    late = logging.getLogger("test.privacy.late")  # e.g. coloredlogs replacing Rasa's handler later
    late.addHandler(logging.StreamHandler(after))
    late.propagate = early.propagate = False
    late.setLevel(logging.INFO)
    early.setLevel(logging.INFO)
    early.info("answer %s", CCCD)
    late.warning("phone %s for %s", PHONE, "Nguyễn Văn An")
    try:
        raise ValueError(f"bad phone {PHONE}")
    except ValueError:
        late.exception("failed")
    assert CCCD not in before.getvalue() and "[số giấy tờ]" in before.getvalue()
    written = after.getvalue()
    assert PHONE not in written and "Nguyễn" not in written and "ValueError: bad phone" in written


def test_the_filter_masks_extra_fields_such_as_access_log_request_lines():
    record = logging.makeLogRecord(
        {"msg": "%s", "args": ("GET /api/dossiers?phone=0912345678",), "request": f"GET /x?sdt={PHONE}"}
    )
    assert PersonalDataFilter().filter(record) is True
    assert PHONE not in record.getMessage() and PHONE not in record.request
