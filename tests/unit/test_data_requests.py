"""'xem / xóa dữ liệu của tôi' in the chat: the phone's OTP first, then what is kept, then a confirmed erasure
(bot/dossiers/status_lookup.py over the real SubjectAccess, tracker store and SMS outbox)."""

import json
from datetime import timedelta

import pytest

from bot.calendar.working_days import WorkingCalendar
from bot.dossiers.status_lookup import CONFIRM_ERASE, ERASE, MY_DATA, DossierStatusDesk, Requester
from bot.otp.service import OtpService
from bot.sms import OutboxSmsProvider
from bot.workflow.service import WorkflowService
from tests.unit.test_privacy_subject_access import MINE, NOW, SECRET, World
from tests.unit.tracker_fixtures import NAME, PHONE, dossier_conversation, retrieve, save

HERE = Requester("rest", "web-1")


@pytest.fixture
def desk(tmp_path):
    world = World(tmp_path)
    save(world.tracker, "web-1", dossier_conversation(NOW - timedelta(days=3)))
    world.pending = world.dossier("p", "web-1", PHONE, NOW - timedelta(days=3))
    outbox = tmp_path / "sms.jsonl"
    clock = lambda: NOW  # noqa: E731
    otp = OtpService(world.sessions, OutboxSmsProvider(outbox), SECRET, clock=clock)
    workflow = WorkflowService(world.sessions, WorkingCalendar(), clock=clock)
    status = DossierStatusDesk(workflow, world.sessions, otp, SECRET, clock=clock, data_rights=world.access)
    return status, world, outbox


def sms_code(outbox) -> str:
    text = json.loads(outbox.read_text(encoding="utf-8").splitlines()[-1])["text"]
    return next(word for word in text.replace(".", " ").split() if word.isdigit() and len(word) == 6)


def kept_text(world) -> str:
    """Everything Rasa's tracker store holds of the conversation "web-1"."""
    events = retrieve(world.tracker, "web-1").events
    return json.dumps([event.as_dict() for event in events], ensure_ascii=False)


def texts(outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


def test_nothing_is_shown_before_the_phone_is_verified(desk):
    status, world, outbox = desk
    asked = status.start_data_request(HERE, MY_DATA)
    assert "xác minh" in texts(asked) and world.pending not in texts(asked)
    typed_code = status.handle(asked.state, world.pending, "", HERE)  # a dossier code is not a phone
    assert world.pending not in texts(typed_code) and not outbox.exists()
    sent = status.handle(asked.state, PHONE, "", HERE)
    wrong = status.handle(sent.state, "000000" if sms_code(outbox) != "000000" else "111111", "", HERE)
    assert world.pending not in texts(wrong)
    shown = status.handle(sent.state, sms_code(outbox), "", HERE)
    assert world.pending in texts(shown) and shown.state is None and shown.verified_phone_hash == MINE


def test_a_phone_verified_in_this_conversation_answers_at_once(desk):
    status, world, _ = desk
    shown = status.start_data_request(Requester("rest", "web-1", verified_phone_hash=MINE), MY_DATA)
    assert world.pending in texts(shown) and shown.state is None


def test_erasure_needs_a_confirmation_and_keeps_the_dossier(desk):
    status, world, _ = desk
    me = Requester("rest", "web-1", verified_phone_hash=MINE)
    asked = status.start_data_request(me, ERASE)
    assert asked.state.phase == CONFIRM_ERASE and "chắc muốn xóa" in texts(asked)
    assert [button.payload for button in asked.replies[-1].buttons] == ["/affirm", "/deny"]
    kept = status.handle(asked.state, "không", "deny", me)
    assert "giữ nguyên" in texts(kept) and NAME in kept_text(world)
    unsure = status.handle(asked.state, "để em nghĩ", "ask_procedure", me)
    assert unsure.state is not None and unsure.state.phase == CONFIRM_ERASE
    erased = status.handle(asked.state, "/affirm", "affirm", me)
    assert world.pending in texts(erased) and erased.state is None
    assert NAME not in kept_text(world)


def test_erasure_without_a_verified_phone_erases_nothing(desk):
    status, world, _ = desk
    confirming = status.start_data_request(Requester("rest", "web-1", verified_phone_hash=MINE), ERASE).state
    forged = status.handle(confirming, "/affirm", "affirm", HERE)  # the verification expired meanwhile
    assert "giữ nguyên" in texts(forged)
    assert NAME in kept_text(world)
