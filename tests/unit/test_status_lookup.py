"""'Hồ sơ của tôi đang ở đâu': details only for the owner, nothing for a guesser, rate-limited guessing."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.calendar.working_days import WorkingCalendar
from bot.db.models import Department, Officer
from bot.db.session import session_factory, upgrade_schema
from bot.dossiers.status_lookup import ASK_OTP, DossierStatusDesk, LookupState, Requester, find_code
from bot.dossiers.submission import DossierService
from bot.otp.service import OtpService, phone_hash
from bot.settings import DEMO_AGENCY_CODE
from bot.sms import OutboxSmsProvider
from bot.workflow.service import WorkflowService
from tests.unit.dossier_fixtures import BIRTH, FORM, Clock

SECRET = b"s" * 32
CALENDAR = WorkingCalendar()
OWNER_PHONE = "0912345678"
OWNER = Requester("rest", "owner-conversation")
STRANGER = Requester("rest", "someone-else")


@pytest.fixture
def desk(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    sessions = session_factory(url)
    clock = Clock()
    outbox = tmp_path / "sms.jsonl"
    otp = OtpService(sessions, OutboxSmsProvider(outbox), SECRET, clock=clock)
    workflow = WorkflowService(sessions, CALENDAR, clock=clock)
    submit = DossierService(sessions, CALENDAR, clock=clock, agency_code=DEMO_AGENCY_CODE).submit
    codes = [
        submit(
            form=FORM,
            procedure=BIRTH,
            answers={"applicant_full_name": "Nguyễn Văn An", "applicant_phone": OWNER_PHONE},
            channel="rest",
            sender_id="owner-conversation",
            phone_hash=phone_hash(SECRET, OWNER_PHONE),
            idempotency_key=f"k{number}",
        ).code
        for number in range(2)
    ]
    return DossierStatusDesk(workflow, sessions, otp, SECRET, clock=clock), codes, outbox, sessions


def texts(replies) -> str:
    return "\n".join(reply.text for reply in replies)


def test_finds_a_code_in_free_text():
    assert find_code("cho hỏi hồ sơ 000.00.12.h23-261120-0001 sao rồi") == "000.00.12.H23-261120-0001"
    assert find_code("hồ sơ của tôi") is None


def test_the_submitting_conversation_sees_its_dossier(desk):
    status, codes, _, _ = desk
    answer = texts(status.lookup(codes[0], OWNER))
    assert "Thủ tục đăng ký khai sinh" in answer and "1.001193" in answer
    assert "Bộ phận Một cửa" in answer and "25/11/2026" in answer


def test_anyone_else_gets_the_same_answer_for_a_real_and_a_made_up_code(desk):
    status, codes, _, _ = desk
    real = texts(status.lookup(codes[0], STRANGER)).replace(codes[0], "CODE")
    made_up = texts(status.lookup("000.00.12.H23-261120-0999", STRANGER)).replace(
        "000.00.12.H23-261120-0999", "CODE"
    )
    assert real == made_up
    assert "Nguyễn Văn An" not in real and "Bộ phận Một cửa" not in real


def test_guessing_is_rate_limited_even_for_the_right_code(desk):
    status, codes, _, _ = desk
    for sequence in range(5):
        status.lookup(f"000.00.12.H23-261120-09{sequence:02d}", STRANGER)
    blocked = texts(status.lookup(codes[0], STRANGER))
    assert "thử lại sau 15 phút" in blocked
    assert "thử lại sau" not in texts(status.lookup(codes[0], OWNER))  # others are not affected


def test_without_a_code_the_owner_gets_a_list_and_a_stranger_is_asked(desk):
    status, codes, _, _ = desk
    listing = status.start(OWNER, None)
    assert listing.state is None and "có 2 hồ sơ" in texts(listing.replies)
    assert {button.title for button in listing.replies[0].buttons} == set(codes)
    asked = status.start(STRANGER, None, opened_by="m1")
    assert asked.state == LookupState(opened_by="m1") and "mã hồ sơ" in texts(asked.replies)


def last_sms_code(outbox) -> str:
    line = outbox.read_text(encoding="utf-8").strip().splitlines()[-1]
    return re.search(r"\b(\d{6})\b", json.loads(line)["text"]).group(1)


def test_verifying_the_phone_lists_the_dossiers_given_with_it(desk):
    status, codes, outbox, _ = desk
    asked = status.start(STRANGER, None)
    sent = status.handle(asked.state, "số của tôi là 0912 345 678", "", STRANGER)
    assert sent.state.phase == ASK_OTP and "0912345678" not in texts(sent.replies)
    wrong = status.handle(sent.state, "000000", "", STRANGER)
    assert wrong.state.phase == ASK_OTP and wrong.verified_phone_hash is None
    done = status.handle(sent.state, last_sms_code(outbox), "", STRANGER)
    assert done.state is None and done.verified_phone_hash == phone_hash(SECRET, OWNER_PHONE)
    assert "có 2 hồ sơ" in texts(done.replies)
    verified = Requester("rest", "someone-else", done.verified_phone_hash)
    assert "Bộ phận Một cửa" in texts(status.lookup(codes[1], verified))


def test_unclear_answers_are_asked_again_once_then_the_lookup_stops(desk):
    status, _, _, _ = desk
    state = status.start(STRANGER, None).state
    again = status.handle(state, "ừm để tôi xem", "", STRANGER)
    assert again.state is not None and again.state.tries == 1
    stopped = status.handle(again.state, "không nhớ", "", STRANGER)
    assert stopped.state is None and "dừng tra cứu" in texts(stopped.replies)
    cancelled = status.handle(state, "thôi", "cancel", STRANGER)  # what the NLU reads in it
    assert cancelled.state is None


def test_status_follows_the_officers_steps(desk):
    status, codes, _, sessions = desk
    with sessions() as session, session.begin():
        desk_department = session.execute(select(Department).where(Department.code == "MOT_CUA")).scalar_one()
        justice = Department(code="TU_PHAP", name="Công chức Tư pháp - Hộ tịch")
        session.add(justice)
        session.flush()
        officer = Officer(
            username="motcua",
            full_name="Lê Thị Hoa",
            role="desk",
            department_id=desk_department.id,
            password_hash="x",
        )
        session.add(officer)
        session.flush()
        actor = Officer(id=officer.id, role="desk", department_id=desk_department.id)
    status.workflow.perform(codes[0], "accept", actor)
    status.workflow.perform(codes[0], "forward", actor, department="TU_PHAP")
    answer = texts(status.lookup(codes[0], OWNER))
    assert "Nơi giữ hồ sơ: Công chức Tư pháp - Hộ tịch" in answer and "Đã chuyển phòng chuyên môn" in answer


def test_the_limit_lifts_after_the_window_and_old_lookups_are_forgotten(desk):
    status, codes, _, _ = desk
    for sequence in range(5):
        status.lookup(f"000.00.12.H23-261120-09{sequence:02d}", STRANGER)
    assert "thử lại sau" in texts(status.lookup(codes[0], STRANGER))
    status.clock.now += timedelta(minutes=16)
    assert status.purge_old_lookups() == 5  # the refused sixth was not looked up, so not recorded
    assert "thử lại sau" not in texts(status.lookup(codes[0], STRANGER))


def test_a_phone_the_chat_platform_vouched_for_finds_the_dossiers(desk):
    status, codes, _, _ = desk
    telegram = Requester("telegram", "777", can_share_phone=True)
    asking = status.start(telegram, None)
    assert asking.replies[0].buttons[0].title == "Chia sẻ số điện thoại"
    refused = status.handle(
        asking.state, "/phone_shared", "phone_shared", telegram
    )  # not the owner's own number
    assert "chưa xác thực được" in texts(refused.replies) and codes[0] not in texts(refused.replies)
    shared = Requester("telegram", "777", phone_hash(SECRET, OWNER_PHONE), can_share_phone=True)
    found = status.handle(asking.state, "/phone_shared", "phone_shared", shared)
    assert all(code in texts(found.replies) for code in codes)
