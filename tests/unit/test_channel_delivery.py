"""The outgoing queue and its sender, the update log, long button payloads, verified contacts, Zalo's token
refresh and webhook signature: plain Python over a real SQLite database and a local fake Zalo server."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.channels.platform_tokens import PlatformTokens
from bot.channels.queue import FAILED, HELD, PENDING, SENT, ChannelQueue
from bot.channels.records import ButtonPayloads, UpdateLog, VerifiedContacts, shared_phone_hash
from bot.channels.sender import FAIL, HOLD, RETRY, ChannelSender, Outcome
from bot.channels.sender import SENT as SENT_OUTCOME
from bot.channels.zalo_client import TOKEN_NAME, ZaloClient, signature_ok
from bot.db.models import ChannelMessage, ChannelUpdate
from bot.db.session import session_factory, upgrade_schema
from bot.forms.definitions import load_forms
from bot.forms.flow import OTP, SUMMARY, FormFlow, FormState
from bot.settings import ZaloSettings
from devtools.fakes.zalo_oa_api import FakeZalo, signed, text_event


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    return session_factory(url)


def statuses(sessions) -> list[str]:
    with sessions() as session:
        return [row.status for row in session.query(ChannelMessage).order_by(ChannelMessage.id)]


def test_messages_go_out_in_order_and_a_failing_one_blocks_the_later_ones_until_its_retry(sessions):
    clock = Clock()
    queue = ChannelQueue(sessions, clock)
    sent: list[str] = []
    answers = [Outcome(RETRY, "down"), Outcome(SENT_OUTCOME), Outcome(SENT_OUTCOME), Outcome(SENT_OUTCOME)]

    async def transport(body):
        outcome = answers.pop(0)
        if outcome.kind == SENT_OUTCOME:
            sent.append(body["text"])
        return outcome

    sender = ChannelSender(queue, "telegram", transport)

    async def scenario():
        await sender.send("42", [{"text": "một"}, {"text": "hai"}])
        assert sent == [] and statuses(sessions) == [PENDING, PENDING]
        assert await sender.flush("42") == 0  # not due yet: backoff
        clock.now += timedelta(seconds=2)
        assert await sender.flush("42") == 2
        await sender.send("42", [{"text": "ba"}])

    asyncio.run(scenario())
    assert sent == ["một", "hai", "ba"]
    assert statuses(sessions) == [SENT, SENT, SENT]


def test_a_leased_message_is_not_sent_by_a_second_sender(sessions):
    clock = Clock()
    queue = ChannelQueue(sessions, clock)
    queue.enqueue("zalo", "u1", [{"text": "x"}])
    first = queue.claim_next("zalo", "u1")
    assert first is not None and queue.claim_next("zalo", "u1") is None
    clock.now += timedelta(minutes=2)  # the first sender died: its lease runs out
    assert queue.claim_next("zalo", "u1").id == first.id


def test_refused_for_good_is_skipped_and_held_waits_for_the_citizen(sessions):
    queue = ChannelQueue(sessions, Clock())
    outcomes = [Outcome(FAIL, "blocked"), Outcome(HOLD, "-230"), Outcome(HOLD, "-230")]
    held: list[str] = []

    async def transport(body):
        return outcomes.pop(0) if outcomes else Outcome(SENT_OUTCOME)

    async def on_hold(message):
        held.append(message.dossier_code)

    sender = ChannelSender(queue, "zalo", transport, on_hold=on_hold)

    async def scenario():
        await sender.send("u1", [{"text": "a"}])
        await sender.send("u1", [{"text": "b"}, {"text": "c"}], dossier_code="000.00.12.H23-261130-0001")
        assert statuses(sessions) == [FAILED, HELD, HELD]
        await sender.release_held("u1")

    asyncio.run(scenario())
    assert held == ["000.00.12.H23-261130-0001"] * 2
    assert statuses(sessions) == [FAILED, SENT, SENT]
    assert queue.statistics("zalo")[SENT] == 2


def test_each_update_is_processed_once_and_forgotten_after_a_day(sessions):
    clock = Clock()
    log = UpdateLog(sessions, clock)
    assert log.first_time("telegram", "1001") and not log.first_time("telegram", "1001")
    assert log.first_time("zalo", "1001")  # another platform's ids are another space
    clock.now += timedelta(days=2)
    assert log.forget_older_than() == 2 and log.first_time("telegram", "1001")


def test_an_update_id_longer_than_its_column_is_kept_by_its_digest(sessions):
    log = UpdateLog(sessions, Clock())
    long_id, other = "m" * 400, "m" * 399 + "n"
    assert log.first_time("zalo", long_id) and not log.first_time("zalo", long_id)
    assert log.first_time("zalo", other)
    with sessions() as session:
        stored = session.execute(select(ChannelUpdate.update_id)).scalars().all()
    assert max(len(update_id) for update_id in stored) <= 128  # PostgreSQL would refuse a longer one


def test_long_payloads_come_back_from_their_token(sessions):
    payloads = ButtonPayloads(sessions)
    long = '/choose{"value": "Người đại diện theo pháp luật"}'
    token = ButtonPayloads.token_for(long)
    payloads.store({token: long})
    payloads.store({token: long})  # the same button again: no second row, no error
    assert payloads.expand(token) == long
    assert payloads.expand("xin chào") == "xin chào" and payloads.expand("~unknown") == "~unknown"


def test_a_shared_phone_counts_only_for_its_conversation_and_for_a_while(sessions):
    clock = Clock()
    contacts = VerifiedContacts(sessions, timedelta(minutes=30), clock)
    hashed = shared_phone_hash(b"s" * 32, "84912345678")
    assert (
        hashed
        == shared_phone_hash(b"s" * 32, "0912345678")
        == shared_phone_hash(b"s" * 32, "+84 912 345 678")
    )
    assert shared_phone_hash(b"s" * 32, "12345") is None
    contacts.record("telegram", "42", hashed)
    assert contacts.verified_phone_hash("telegram", "42") == hashed
    assert contacts.verified_phone_hash("zalo", "42") is None
    clock.now += timedelta(minutes=31)
    assert contacts.verified_phone_hash("telegram", "42") is None


def test_the_form_offers_the_contact_share_and_accepts_only_the_declared_phone():
    forms = load_forms()
    code = "1.001193"
    answers = {spec.name: "x" for spec in forms[code].fields} | {forms[code].phone_field: "0912345678"}
    verified: set[str] = set()
    sms: list[str] = []

    class Verifier:
        def send_code(self, phone):
            sms.append(phone)
            return type("Result", (), {"status": "sent", "message": "Đã gửi mã."})()

    def submit(form, answers, key, attachments, consent):
        from bot.forms.flow import Submission

        return Submission("000.00.12.H23-261130-0001", [])

    flow = FormFlow(
        forms,
        Verifier(),
        submit,
        lambda: datetime.now(timezone.utc),
        lambda phone: phone in verified,
        can_share_phone=True,
    )
    state, replies = flow.handle(FormState(code, phase=SUMMARY, answers=answers), "/affirm")
    assert state.phase == OTP and sms == []  # nothing sent until the citizen chooses SMS
    assert "091****678" in replies[0].text and replies[0].buttons[0].kind == "share_phone"
    state, replies = flow.handle(state, "/phone_shared")  # the platform vouched for another number
    assert state.phase == OTP and sms == ["0912345678"] and "chưa xác thực được" in replies[0].text
    verified.add("0912345678")
    state, _ = flow.handle(state, "/phone_shared")
    assert state.dossier_code == "000.00.12.H23-261130-0001" and state.phone_verified


def test_zalo_signature_follows_the_configured_formula():
    settings = ZaloSettings(app_id="4300000000000000001", oa_secret_key="oa-secret")
    raw, headers = signed(text_event(settings.app_id, "u1", "xin chào", "m1"), settings.app_id, "oa-secret")
    event = json.loads(raw)
    assert signature_ok(settings, raw, event, headers["X-ZEvent-Signature"])
    assert signature_ok(settings, raw, event, headers["X-ZEvent-Signature"][4:])  # without "mac="
    assert not signature_ok(settings, raw + b" ", event, headers["X-ZEvent-Signature"])
    assert not signature_ok(settings, raw, event, None)
    # The other formula sources describe: the app secret instead of the OA key.
    other = ZaloSettings(
        app_id=settings.app_id,
        app_secret="app-s",
        signature_parts=("app_id", "raw_body", "timestamp", "app_secret"),
    )
    mac = hashlib.sha256(settings.app_id.encode() + raw + event["timestamp"].encode() + b"app-s").hexdigest()
    assert signature_ok(other, raw, event, f"mac={mac}")


def test_an_expired_zalo_token_is_refreshed_once_by_many_sends_in_two_processes(sessions):
    with FakeZalo() as fake:
        settings = ZaloSettings(
            app_id=fake.app_id,
            app_secret=fake.app_secret,
            oa_secret_key="k",
            access_token=fake.current_access_token,
            refresh_token=fake.current_refresh_token,
            api_base_url=fake.api_base_url,
            oauth_base_url=fake.oauth_base_url,
        )
        tokens = PlatformTokens(sessions)
        body = {"recipient": {"user_id": "u1"}, "message": {"text": "Dạ"}}

        async def scenario():
            first, second = ZaloClient(settings, tokens), ZaloClient(settings, tokens)  # two server processes
            assert (await first.send(body)).kind == SENT_OUTCOME  # the seed pair: refreshed at first use
            refreshes = fake.refresh_calls
            fake.expire_access_token()
            fake.refresh_delay = 0.3
            outcomes = await asyncio.gather(*(client.send(body) for client in [first, second] * 5))
            await first.close()
            await second.close()
            return refreshes, outcomes

        refreshes, outcomes = asyncio.run(scenario())
        assert [o.kind for o in outcomes] == [SENT_OUTCOME] * 10
        assert fake.refresh_calls == refreshes + 1
        assert (
            tokens.current(TOKEN_NAME).refresh_token == fake.current_refresh_token
        )  # the newest pair is saved


def test_a_message_the_platform_has_not_taken_for_a_day_is_dropped(sessions):
    clock = Clock()
    queue = ChannelQueue(sessions, clock)

    async def down(body):
        return Outcome(RETRY, "down")

    sender = ChannelSender(queue, "telegram", down)

    async def scenario():
        await sender.send("42", [{"text": "cũ"}, {"text": "mới"}])
        clock.now += timedelta(days=1, minutes=1)
        queue.enqueue("telegram", "42", [{"text": "sau"}])
        await sender.flush("42")

    asyncio.run(scenario())
    assert statuses(sessions) == [FAILED, FAILED, PENDING]  # the stale two dropped, the new one waits
