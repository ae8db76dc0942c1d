"""Submitting dossiers by conversation over Rasa's REST channel, with OTP through the SMS outbox."""

import itertools
import re
import urllib.request

import pytest
from sqlalchemy import select

from bot.catalog.answers import start_payload
from bot.db.models import Dossier
from bot.db.session import session_factory
from bot.forms.definitions import CCCD, CHOICE, DATE, NUMBER, PERSON_NAME, PHONE, load_forms
from bot.forms.sample_answers import answer_for, latest_otp
from bot.replies import intent_payload
from bot.settings import AGENCY_CODE

pytestmark = pytest.mark.servers

FORMS = load_forms()
CODE = re.compile(r"Mã hồ sơ: (\S+)")
_phones = itertools.count(912000001)


def new_phone() -> str:
    return f"0{next(_phones)}"  # a fresh number per test: OTP rate limits are per phone


def joined(replies) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def stored(spec, typed: str) -> str:
    return {"15/03/1990": "15/03/1990", "nguyễn văn an": "Nguyễn Văn An"}.get(typed, typed)


def otp_code(services, phone: str) -> str:
    return latest_otp(services.sms_outbox, phone)


def fill_form(person, code: str, phone: str, choose: dict[str, str] | None = None) -> str:
    """Start the form, consent, answer every question asked (`choose` overrides answers by field);
    return the summary text."""
    replies = person.say(start_payload(code))
    assert "Nghị định 13/2023/NĐ-CP" in joined(replies)
    assert "vui lòng chọn" not in joined(replies)  # the message that opened the form is not an answer
    replies = person.say("/affirm")
    answers: dict[str, str] = {}
    form = FORMS[code]
    for spec in form.fields:
        if not spec.applies(answers):
            continue
        asked = form.asked(answers)
        assert f"Bước {asked.index(spec) + 1}/{len(asked)}: {spec.question}" in joined(replies)
        typed = (choose or {}).get(spec.name) or answer_for(spec, answers, phone)
        answers[spec.name] = stored(spec, typed)
        replies = person.say(typed)
    assert "kiểm tra lại thông tin" in joined(replies)
    return joined(replies)


def dossiers_in_db(services) -> list[Dossier]:
    with session_factory(f"sqlite:///{services.var_dir / 'dvc.db'}")() as session:
        return list(session.execute(select(Dossier)).scalars())


@pytest.mark.parametrize("code", sorted(FORMS))
def test_every_procedure_can_be_submitted(services, citizen, code):
    person, phone = citizen(), new_phone()
    summary = fill_form(person, code, phone)
    assert "Nguyễn Văn An" in summary
    replies = person.say("/affirm")
    assert "mã xác thực" in joined(replies)
    receipt = joined(person.say(otp_code(services, phone)))
    dossier_code = CODE.search(receipt).group(1)
    assert re.fullmatch(rf"{AGENCY_CODE.pattern}-\d{{6}}-\d{{4}}", dossier_code)  # DVC_AGENCY_CODE first
    assert "Ngày hẹn trả kết quả" in receipt and "Mới tiếp nhận" in receipt
    stored_dossier = next(d for d in dossiers_in_db(services) if d.code == dossier_code)
    assert stored_dossier.procedure_code == code and stored_dossier.status == "received"
    assert phone not in stored_dossier.phone_hash
    pdf_url = re.search(r"(http\S+declaration\.pdf\?t=\w+)", receipt).group(1)
    with urllib.request.urlopen(pdf_url, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.read().startswith(b"%PDF")


def test_declaration_link_needs_its_token(services):
    url = f"{services.backoffice_url}/dossiers/000.00.12.H23-260101-0001/declaration.pdf?t=guess"
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(url, timeout=30)
    assert error.value.code == 404


def test_validation_failures_then_help_and_a_valid_answer(citizen):
    person = citizen()
    person.say(start_payload("1.001193"))
    first_question = joined(person.say("/affirm"))
    assert "Bước 1/" in first_question
    spec = FORMS["1.001193"].fields[0]
    bad = "123 !!!" if spec.type == PERSON_NAME else ""
    first = joined(person.say(bad))
    assert first.startswith("Dạ") and "Bước 1/" in first
    second = person.say(bad)
    assert "thông tin cần nhập" in joined(second)
    assert {"Hướng dẫn", "Hủy hồ sơ"} <= {b["title"] for r in second for b in r.get("buttons", [])}
    assert "Bước 2/" in joined(person.say("nguyễn văn an"))


def test_each_kind_of_invalid_answer_is_explained(citizen):
    """Walk the marriage form and give one wrong answer to every question before the right one."""
    person, phone = citizen(), new_phone()
    person.say(start_payload("1.000894"))
    replies = person.say("/affirm")
    wrong = {
        PERSON_NAME: "12345",
        DATE: "31/02/1990",
        CCCD: "999123456789",
        PHONE: "0241234567",
        CHOICE: "không có lựa chọn này",
        NUMBER: "mười nghìn",
    }
    answers: dict[str, str] = {}
    for spec in FORMS["1.000894"].fields:
        if not spec.applies(answers):
            continue
        if spec.type in wrong:
            complaint = joined(person.say(wrong[spec.type]))
            assert complaint.startswith("Dạ"), (spec.name, complaint)
            assert spec.question in complaint  # the same question is asked again
        typed = answer_for(spec, answers, phone)
        answers[spec.name] = stored(spec, typed)
        replies = person.say(typed)
    assert "kiểm tra lại thông tin" in joined(replies)


def test_correction_from_the_summary(citizen):
    person, phone = citizen(), new_phone()
    fill_form(person, "1.004873", phone)
    choices = person.say("/correct")
    field = FORMS["1.004873"].fields[0]
    payloads = [b["payload"] for r in choices for b in r.get("buttons", [])]
    correct = intent_payload("correct", field=field.name)
    assert correct in payloads
    assert "Sửa thông tin" in joined(person.say(correct))
    assert "Trần Thị Bình" in joined(person.say("trần thị bình"))


def test_cancel_in_the_middle_and_nothing_is_stored(services, citizen):
    person = citizen()
    before = len(dossiers_in_db(services))
    person.say(start_payload("1.000656"))
    person.say("/affirm")
    assert "đã hủy hồ sơ" in joined(person.say("hủy"))
    assert len(dossiers_in_db(services)) == before
    assert "không có hồ sơ nào đang khai" in joined(person.say("hủy"))


def test_otp_wrong_resend_too_early_expired_and_too_many(services, citizen):
    person, phone = citizen(), new_phone()
    fill_form(person, "1.001193", phone)
    person.say("/affirm")
    code = otp_code(services, phone)
    wrong = "000000" if code != "000000" else "111111"
    assert "còn" in joined(person.say(wrong))  # attempts left
    assert "giây" in joined(person.say("/resend_code"))  # too early: wait N seconds
    services.advance_clock(9)  # the test stack's codes live 8 s: the processes' OTP clock moves on 9 s
    assert "hết hiệu lực" in joined(person.say(code))
    fresh = joined(person.say("/resend_code"))
    assert "đã gửi" in fresh
    code = otp_code(services, phone)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        last = joined(person.say(wrong))
    assert "quá" in last or "nhập sai" in last
    assert "CCCD" not in last
    refused = joined(person.say(code))  # even the right code is refused after too many tries
    assert "Mã hồ sơ" not in refused


def test_resume_after_restarting_the_rasa_server(services, citizen):
    person, phone = citizen(), new_phone()
    person.say(start_payload("1.004222"))
    person.say("/affirm")
    spec = FORMS["1.004222"].fields[0]
    second_question = joined(person.say(answer_for(spec, {}, phone)))
    assert "Bước 2/" in second_question

    services.stop("rasa")
    services.start_rasa()
    services.wait_ready()

    next_answer = answer_for(FORMS["1.004222"].fields[1], {}, phone)
    assert "Bước 3/" in joined(person.say(next_answer))


def test_double_submit_gives_one_dossier(services, citizen):
    person, phone = citizen(), new_phone()
    fill_form(person, "2.000635", phone)
    person.say("/affirm")
    code = otp_code(services, phone)
    first = CODE.search(joined(person.say(code))).group(1)
    again = joined(person.say(code))  # the citizen sends the code twice (double click, network retry)
    assert first not in again or "đã được gửi trước đó" in again
    assert sum(1 for d in dossiers_in_db(services) if d.code == first) == 1
    assert len([d for d in dossiers_in_db(services) if d.sender_id == person.sender]) == 1


def test_start_from_the_button_under_an_info_answer(citizen):
    person = citizen()
    replies = person.say("thủ tục đăng ký khai sinh")
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert '/start_dossier{"procedure_code":"1.001193"}' in payloads
    opened = joined(person.say("tôi muốn nộp hồ sơ khai sinh"))
    assert "Nghị định 13/2023/NĐ-CP" in opened and "vui lòng chọn" not in opened
    # Naming a submittable procedure without asking to submit is a question, not a form.
    other = citizen()
    answer = joined(other.say("đăng ký kết hôn"))
    assert "mã 1.000894" in answer and "Nghị định 13/2023/NĐ-CP" not in answer


def test_resume_after_a_pause_that_ended_the_session(citizen):
    person, phone = citizen(), new_phone()
    person.say(start_payload("1.000656"))
    person.say("/affirm")
    assert "Bước 2/" in joined(person.say(answer_for(FORMS["1.000656"].fields[0], {}, phone)))
    person.say("/session_start")  # what Rasa does after a long pause: a new session, slots carried over
    resumed = joined(person.say("tiếp tục hồ sơ"))
    assert "tiếp tục hồ sơ" in resumed and "Bước 2/" in resumed


def test_a_phone_verified_once_is_not_asked_again_in_the_same_conversation(services, citizen):
    person, phone = citizen(), new_phone()
    fill_form(person, "2.000635", phone)
    person.say("/affirm")
    first = CODE.search(joined(person.say(otp_code(services, phone)))).group(1)
    sms_before = services.sms_outbox.read_text(encoding="utf-8").count(phone)
    fill_form(person, "1.004873", phone)
    second = joined(person.say("/affirm"))  # no new code: the phone was verified minutes ago
    assert "Mã hồ sơ" in second and first not in second
    assert services.sms_outbox.read_text(encoding="utf-8").count(phone) == sms_before
