"""The conversational form end to end in plain Python: real OTP service and SMS outbox, real SQLite database,
real dossier submission. A form defined in the test itself shows that a new procedure is only data."""

import dataclasses
import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.calendar.working_days import WorkingCalendar
from bot.db.models import Dossier, DossierEvent
from bot.db.session import session_factory, upgrade_schema
from bot.db.times import as_utc
from bot.dossiers.receipt import receipt
from bot.dossiers.submission import DossierService
from bot.forms.definitions import parse_forms
from bot.forms.flow import (
    CANCELLED,
    CHOOSING_CORRECTION,
    CONSENT,
    CORRECTING,
    DONE,
    FIELDS,
    OTP,
    SUMMARY,
    FormFlow,
    FormState,
    Submission,
    Understood,
)
from bot.otp.service import OtpService, phone_hash
from bot.privacy.consent import ConsentNotice
from bot.replies import intent_payload
from bot.settings import DEMO_AGENCY_CODE
from bot.sms.providers import OutboxSmsProvider

FORM_YAML = """
procedures:
  "9.999001":
    title: Tờ khai thử nghiệm
    fields:
      - name: applicant_full_name
        label: Họ tên người yêu cầu
        question: "Anh/chị cho em biết họ tên ạ?"
        type: person_name
      - {name: applicant_birth_date, label: Ngày sinh, question: "Ngày sinh ạ?", type: date, not_future: true}
      - name: applicant_cccd
        label: Số CCCD
        question: "Số CCCD của anh/chị ạ?"
        type: cccd
        birth_date_field: applicant_birth_date
      - {name: gender, label: Giới tính, question: "Giới tính ạ?", type: choice, choices: ["Nam", "Nữ"]}
      - {name: note, label: Ghi chú, question: "Ghi chú thêm ạ?", type: text, required: false}
      - {name: applicant_phone, label: Số điện thoại, question: "Số điện thoại để nhận mã ạ?", type: phone}
"""
AFFIRM = Understood("affirm", 0.98)  # what the NLU reads in "đồng ý"
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # a Friday, 10:00 in Vietnam
SECRET = b"s" * 32


@pytest.fixture
def world(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    sessions = session_factory(url)
    clock = {"now": NOW}
    outbox = tmp_path / "sms_outbox.jsonl"
    otp = OtpService(sessions, OutboxSmsProvider(outbox), SECRET, clock=lambda: clock["now"])
    dossiers = DossierService(
        sessions, WorkingCalendar(), clock=lambda: clock["now"], agency_code=DEMO_AGENCY_CODE
    )
    forms = parse_forms(__import__("yaml").safe_load(FORM_YAML))

    def submit(form, answers, key, attachments, consent):
        dossier = dossiers.submit(
            form=form,
            procedure=None,
            answers=answers,
            attachments=attachments,
            channel="rest",
            sender_id="citizen-1",
            phone_hash=phone_hash(SECRET, answers[form.phone_field]),
            idempotency_key=key,
            consent=consent,
        )
        return Submission(dossier.code, receipt(dossier, None, f"http://x/{dossier.code}.pdf"))

    flow = FormFlow(forms, otp, submit, today=lambda: clock["now"])
    return flow, sessions, outbox, clock


def last_code(outbox) -> str:
    line = json.loads(outbox.read_text(encoding="utf-8").splitlines()[-1])
    return next(word for word in line["text"].replace(".", " ").split() if word.isdigit() and len(word) == 6)


GOOD = ["nguyễn văn an", "15/3/1990", "001090123456", "Nam", "bỏ qua", "0912 345 678"]


def fill(flow, state, answers=GOOD):
    for answer in answers:
        state, _ = flow.handle(state, answer)
    return state


def test_happy_path_consent_steps_summary_otp_submission(world):
    flow, sessions, outbox, _ = world
    state, replies = flow.start("9.999001", "Thủ tục thử nghiệm")
    assert state.phase == CONSENT and "Nghị định 13/2023/NĐ-CP" in replies[0].text
    state, _ = flow.handle(state, "/affirm")
    assert state.phase == FIELDS
    assert flow.prompt(state)[0].text.startswith("Bước 1/6: Anh/chị cho em biết họ tên ạ?")
    state = fill(flow, state)
    assert state.phase == SUMMARY
    summary = flow.prompt(state)[0]
    assert "• Họ tên người yêu cầu: Nguyễn Văn An" in summary.text
    assert "• Ngày sinh: 15/03/1990" in summary.text and "• Ghi chú: (bỏ trống)" in summary.text
    state, replies = flow.handle(state, "/affirm")
    assert state.phase == OTP and "mã" in replies[0].text
    state, replies = flow.handle(state, last_code(outbox))
    assert state.phase == DONE and state.phone_verified
    assert state.dossier_code.startswith("000.00.12.H23-261120-")
    assert f"Mã hồ sơ: {state.dossier_code}" in replies[0].text
    with sessions() as session:
        dossier = session.execute(select(Dossier)).scalar_one()
        assert dossier.status == "received" and dossier.applicant_name == "Nguyễn Văn An"
        assert "0912345678" not in dossier.phone_hash
        assert session.execute(select(func.count()).select_from(DossierEvent)).scalar_one() == 1


def test_state_survives_serialisation_mid_form(world):
    flow, *_ = world
    state, _ = flow.start("9.999001", "x")
    state = fill(flow, flow.handle(state, "đồng ý", AFFIRM)[0], GOOD[:3])
    restored = FormState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    assert flow.prompt(restored)[0].text.startswith("Bước 4/6: Giới tính ạ?")


def test_consent_refused_cancels(world):
    flow, *_ = world
    state, _ = flow.start("9.999001", "x")
    state, replies = flow.handle(state, "/deny")
    assert state.phase == CANCELLED and "trực tiếp" in replies[0].text


def test_the_dossier_records_when_consent_was_given_and_to_which_notice(world):
    """The version is the notice shown when the form opened, even if the notice changed before the answer."""
    flow, sessions, outbox, clock = world
    shown = ConsentNotice("Anh/chị có đồng ý cung cấp thông tin không ạ?", "v7-test")
    state, replies = dataclasses.replace(flow, consent_notice=shown).start("9.999001", "x")
    assert replies[0].text.endswith("\nAnh/chị có đồng ý cung cấp thông tin không ạ?")
    flow = dataclasses.replace(flow, consent_notice=ConsentNotice("Một nội dung khác ạ?", "v8-test"))
    clock["now"] = NOW + timedelta(minutes=2)
    state = fill(flow, flow.handle(state, "đồng ý", AFFIRM)[0])
    clock["now"] = NOW + timedelta(minutes=9)
    state, _ = flow.handle(state, "/affirm")
    state, _ = flow.handle(state, last_code(outbox))
    assert state.phase == DONE
    with sessions() as session:
        dossier = session.execute(select(Dossier)).scalar_one()
    digest = hashlib.sha256("Anh/chị có đồng ý cung cấp thông tin không ạ?".encode()).hexdigest()[:12]
    assert dossier.consent_version == f"v7-test/{digest}"
    assert as_utc(dossier.consent_at) == NOW + timedelta(minutes=2)


def test_two_failures_explain_the_expected_format_and_offer_help_or_cancel(world):
    flow, *_ = world
    state, _ = flow.start("9.999001", "x")
    state = fill(flow, flow.handle(state, "/affirm")[0], GOOD[:2])
    state, replies = flow.handle(state, "12345")
    assert state.tries == 1 and "12 chữ số" in replies[0].text and not replies[0].buttons
    state, replies = flow.handle(state, "0010901234")
    assert state.tries == 2 and "thông tin cần nhập" in replies[0].text
    assert [button.title for button in replies[0].buttons] == ["Hướng dẫn", "Hủy hồ sơ"]
    state, _ = flow.handle(state, "001 090 123 456")
    assert state.answers["applicant_cccd"] == "001090123456" and state.tries == 0


def test_cccd_is_cross_checked_with_the_birth_date(world):
    flow, *_ = world
    state, _ = flow.start("9.999001", "x")
    state = fill(flow, flow.handle(state, "/affirm")[0], GOOD[:2])
    state, replies = flow.handle(state, "001205123456")  # born 2005 according to the CCCD
    assert "applicant_cccd" not in state.answers and state.tries == 1
    assert replies[0].text.startswith("Dạ")


def test_a_date_of_the_communes_today_is_not_in_the_future_before_7_am(world):
    """At 06:30 on 21/11 in Vietnam it is still 20/11 in UTC: a birth date of 21/11 is today, not future."""
    flow, _, _, clock = world
    clock["now"] = datetime(2026, 11, 20, 23, 30, tzinfo=timezone.utc)
    state, _ = flow.start("9.999001", "x")
    state = fill(flow, flow.handle(state, "/affirm")[0], GOOD[:1])
    refused, _ = flow.handle(state, "22/11/2026")  # tomorrow in Vietnam
    assert "applicant_birth_date" not in refused.answers and refused.tries == 1
    state, replies = flow.handle(state, "21/11/2026")
    assert state.answers.get("applicant_birth_date") == "21/11/2026", replies[0].text


def test_choice_by_button_payload_and_by_text(world):
    flow, *_ = world
    state, _ = flow.start("9.999001", "x")
    state = fill(flow, flow.handle(state, "/affirm")[0], GOOD[:3])
    assert [b.title for b in flow.prompt(state)[0].buttons] == ["Nam", "Nữ"]
    by_button, _ = flow.handle(state, '/choose{"value": "Nữ"}')
    by_text, _ = flow.handle(state, "nu")
    assert by_button.answers["gender"] == by_text.answers["gender"] == "Nữ"


def test_correction_from_the_summary(world):
    flow, *_ = world
    state, _ = flow.start("9.999001", "x")
    state = fill(flow, flow.handle(state, "/affirm")[0])
    state, _ = flow.handle(state, "/correct")
    assert state.phase == CHOOSING_CORRECTION
    assert len(flow.prompt(state)[0].buttons) == 6
    state, _ = flow.handle(state, '/correct{"field": "applicant_full_name"}')
    assert state.phase == CORRECTING and flow.prompt(state)[0].text.startswith("Sửa thông tin: ")
    state, _ = flow.handle(state, "trần thị bình")
    assert state.phase == SUMMARY and "Trần Thị Bình" in flow.prompt(state)[0].text


@pytest.mark.parametrize("word", ["hủy", "huy", "/cancel", "Hủy hồ sơ"])
def test_cancel_at_any_time(world, word):
    flow, *_ = world
    state, _ = flow.start("9.999001", "x")
    state = fill(flow, flow.handle(state, "/affirm")[0], GOOD[:2])
    state, replies = flow.handle(state, word, Understood("cancel", 0.97))
    assert state.phase == CANCELLED and "hủy" in replies[0].text


def test_the_form_follows_the_nlu_not_its_own_word_lists(world):
    """Typed yes / no / cancel / resend are what the NLU understood (with enough confidence), per phase."""
    flow, _, outbox, clock = world
    state, _ = flow.start("9.999001", "x")
    unsure, replies = flow.handle(state, "chắc là được", Understood("affirm", 0.4))
    assert unsure.phase == CONSENT and "Đồng ý" in replies[0].text
    state, _ = flow.handle(state, "được thôi em", Understood("affirm", 0.8))
    assert state.phase == FIELDS
    # While a field is asked, a message is an answer unless the NLU is very sure it is not.
    state, _ = flow.handle(state, "Huỳnh Thị Dung", Understood("cancel", 0.75))
    assert state.phase == FIELDS and state.answers["applicant_full_name"] == "Huỳnh Thị Dung"
    state, replies = flow.handle(state, "hướng dẫn giúp em", Understood("help", 0.95))
    assert state.step == 1 and replies and "Huỳnh Thị Dung" not in replies[0].text
    state = fill(flow, state, GOOD[1:])
    assert state.phase == SUMMARY
    still, _ = flow.handle(state, "ok", Understood("deny", 0.99))  # "no" is not an answer to the summary
    assert still.phase == SUMMARY
    state, _ = flow.handle(state, "gửi đi", Understood("affirm", 0.9))
    assert state.phase == OTP
    sent = len(outbox.read_text(encoding="utf-8").splitlines())
    clock["now"] += timedelta(minutes=2)  # past the resend interval
    typed_code_lookalike, _ = flow.handle(state, "gửi lại mã", Understood("resend_code", 0.3))
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == sent  # unsure: not a resend
    state, _ = flow.handle(typed_code_lookalike, "chưa nhận được mã", Understood("resend_code", 0.9))
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == sent + 1
    state, _ = flow.handle(state, last_code(outbox))
    assert state.phase == DONE


def test_wrong_expired_and_resent_codes(world):
    flow, _, outbox, clock = world
    state, _ = flow.start("9.999001", "x")
    state = fill(flow, flow.handle(state, "/affirm")[0])
    state, _ = flow.handle(state, "/affirm")
    code = last_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    state, replies = flow.handle(state, wrong)
    assert state.phase == OTP and "Gửi lại mã" in [b.title for b in replies[0].buttons]
    state, replies = flow.handle(state, "/resend_code")  # too early: the message says how long to wait
    assert state.phase == OTP and last_code(outbox) == code
    clock["now"] += timedelta(minutes=6)
    state, replies = flow.handle(state, code)  # expired
    assert state.phase == OTP
    state, _ = flow.handle(state, "/resend_code")
    state, _ = flow.handle(state, last_code(outbox))
    assert state.phase == DONE


def test_retried_submission_creates_one_dossier(world):
    flow, sessions, outbox, _ = world
    state, _ = flow.start("9.999001", "x")
    state = fill(flow, flow.handle(state, "/affirm")[0])
    at_summary = state
    state, _ = flow.handle(state, "/affirm")
    done, _ = flow.handle(state, last_code(outbox))
    # The same confirmed form submitted again (a retried action): the phone is now verified.
    flow.phone_is_verified = lambda phone: True
    again, replies = flow.handle(at_summary, "/affirm")
    assert again.dossier_code == done.dossier_code
    assert "đã được gửi trước đó" in replies[0].text
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(Dossier)).scalar_one() == 1


def test_attachments_are_kept_listed_in_the_summary_and_stored_with_the_dossier(world, tmp_path):
    from bot.dossiers.attachments import AttachmentStore

    flow, sessions, outbox, _ = world
    store = AttachmentStore(tmp_path / "attachments")
    upload = store.save("giay chung sinh.pdf", b"%PDF-1.4 test")
    flow.find_attachment = lambda upload_id: store.get(upload_id).filename if store.get(upload_id) else None
    state, _ = flow.start("9.999001", "x")
    state, _ = flow.handle(state, "/affirm")
    state, replies = flow.handle(state, intent_payload("attach", upload_id=upload.upload_id))
    assert "giay chung sinh.pdf" in replies[0].text and state.step == 0  # the question is asked again
    state, replies = flow.handle(state, '/attach{"upload_id": "not-a-real-upload-id-123"}')
    assert "không tìm thấy" in replies[0].text and len(state.attachments) == 1
    state = fill(flow, state)
    assert "• Tệp đính kèm: giay chung sinh.pdf" in flow.prompt(state)[0].text
    state, _ = flow.handle(state, "/affirm")
    state, _ = flow.handle(state, last_code(outbox))
    with sessions() as session:
        dossier = session.execute(select(Dossier)).scalar_one()
        assert dossier.attachments == [{"upload_id": upload.upload_id, "filename": "giay chung sinh.pdf"}]
        assert set(dossier.form_data) == {spec.name for spec in flow.forms["9.999001"].fields}  # answers only


def test_the_summary_shows_the_fee_for_the_answers_given(world):
    flow, _, _, _ = world
    flow = dataclasses.replace(
        flow, fee_text=lambda form, answers: "Miễn phí" if answers.get("gender") == "Nữ" else "15.000 đồng"
    )
    state, _ = flow.start("9.999001", "Thủ tục thử nghiệm")
    state, _ = flow.handle(state, "/affirm")
    state = fill(flow, state)
    assert "• Lệ phí: 15.000 đồng" in flow.prompt(state)[0].text
    plain = dataclasses.replace(flow, fee_text=lambda form, answers: "")
    assert "Lệ phí" not in plain.prompt(state)[0].text


DELIVERY_YAML = (
    FORM_YAML
    + """
common_fields:
  - {name: result_delivery, label: Nhận kết quả, question: "Nhận kết quả thế nào ạ?", type: choice,
     choices: ["Tại Bộ phận Một cửa", "Nhận trực tuyến", "Qua bưu điện"]}
  - {name: delivery_address, label: Địa chỉ nhận, question: "Địa chỉ nhận ạ?",
     only_if: {field: result_delivery, equals: "Qua bưu điện"}}
"""
)


def test_a_conditional_field_is_asked_only_when_its_condition_holds_and_after_a_correction(world):
    flow, _, _, _ = world
    flow = dataclasses.replace(flow, forms=parse_forms(__import__("yaml").safe_load(DELIVERY_YAML)))
    state, _ = flow.start("9.999001", "Thủ tục thử nghiệm")
    state, _ = flow.handle(state, "/affirm")
    state = fill(flow, state)
    assert flow.prompt(state)[0].text.startswith("Bước 7/7: Nhận kết quả thế nào ạ?")
    state, _ = flow.handle(state, "Nhận trực tuyến")
    assert state.phase == SUMMARY and "Địa chỉ nhận" not in flow.prompt(state)[0].text
    # Corrected to post: the address is now asked, then the summary again.
    state, _ = flow.handle(state, "/correct")
    state, _ = flow.handle(state, '/correct{"field": "result_delivery"}')
    state, _ = flow.handle(state, "Qua bưu điện")
    assert state.phase == FIELDS and flow.prompt(state)[0].text.startswith("Bước 8/8: Địa chỉ nhận ạ?")
    state, _ = flow.handle(state, "Số 12, thôn Đông, xã Tân Phú")
    assert (
        state.phase == SUMMARY
        and "• Địa chỉ nhận: Số 12, thôn Đông, xã Tân Phú" in flow.prompt(state)[0].text
    )
    # Back to the desk: the address is dropped.
    state, _ = flow.handle(state, "/correct")
    state, _ = flow.handle(state, '/correct{"field": "result_delivery"}')
    state, _ = flow.handle(state, "Tại Bộ phận Một cửa")
    assert state.phase == SUMMARY and "delivery_address" not in state.answers
