"""The outbox: in order, retried with backoff while Rasa is away, each message delivered exactly once."""

import asyncio
import threading
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.channels.queue import ChannelQueue
from bot.db.models import Department, Dossier, Notification
from bot.db.session import make_engine, session_factory, upgrade_schema
from bot.notifications.delivery import EXTERNAL_INTENT, RasaDelivery
from bot.notifications.outbox import CLAIM_LEASE, Outbox, backoff
from bot.notifications.replies import said_in, update_message

START = datetime(2026, 11, 20, 3, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def outbox(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    sessions = session_factory(url)
    with sessions() as session, session.begin():
        desk = Department(code="MOT_CUA", name="Bộ phận Một cửa")
        session.add(desk)
        session.flush()
        for number, sender in enumerate(["alice", "bob"], start=1):
            session.add(
                Dossier(
                    code=f"000.00.12.H23-261120-000{number}",
                    idempotency_key=sender,
                    procedure_code="1.001193",
                    procedure_name="Đăng ký khai sinh",
                    status="received",
                    channel="rest",
                    sender_id=sender,
                    applicant_name="A",
                    phone_hash="h",
                    form_data={},
                    department_id=desk.id,
                )
            )
    clock = Clock()
    return Outbox(sessions, clock), sessions, clock


def notify(sessions, sender: str, text: str, at: datetime = START) -> int:
    with sessions() as session, session.begin():
        dossier = session.execute(select(Dossier).where(Dossier.sender_id == sender)).scalar_one()
        row = Notification(
            dossier_id=dossier.id,
            channel="rest",
            sender_id=sender,
            text=text,
            created_at=at,
            next_attempt_at=at,
            attempts=0,
            last_error="",
        )
        session.add(row)
        session.flush()
        return row.id


def test_a_row_is_delivered_once_and_only_in_the_right_conversation(outbox):
    box, sessions, _ = outbox
    first = notify(sessions, "alice", "Hồ sơ đã được tiếp nhận")
    assert box.undelivered_text(first, "bob") is None
    assert box.undelivered_text(first, "alice") == "Hồ sơ đã được tiếp nhận"
    assert box.undelivered_text(first, "alice") == "Hồ sơ đã được tiếp nhận"  # reading marks nothing
    assert [item.id for item in box.pending()] == [first]
    assert not box.mark_delivered(first, "bob")
    assert box.mark_delivered(first, "alice")
    assert not box.mark_delivered(first, "alice")
    assert box.undelivered_text(first, "alice") is None
    assert box.pending() == []
    assert box.delivered_to("rest", "alice") == [(first, "Hồ sơ đã được tiếp nhận", "")]


def test_a_platform_message_is_queued_once_per_row_with_the_row_marked(outbox):
    """Telegram and Zalo: the queue takes the update in the transaction that marks it delivered, so a second
    utterance (a delivery retried after a crash) queues nothing."""
    box, sessions, clock = outbox
    first = notify(sessions, "alice", "Hồ sơ đã được tiếp nhận")
    queue = ChannelQueue(sessions, clock)
    assert not queue.enqueue("telegram", "bob", [{"text": "x"}], notification_id=first)  # not bob's
    assert queue.enqueue("telegram", "alice", [{"text": "x"}, {"document": "y"}], notification_id=first)
    assert not queue.enqueue("telegram", "alice", [{"text": "x"}, {"document": "y"}], notification_id=first)
    assert box.undelivered_text(first, "alice") is None and box.pending() == []
    assert queue.statistics("telegram")["pending"] == 2


def test_pending_keeps_each_conversation_in_order_and_waits_for_backoff(outbox):
    box, sessions, clock = outbox
    a1, a2 = notify(sessions, "alice", "1"), notify(sessions, "alice", "2")
    b1 = notify(sessions, "bob", "b")
    assert [item.id for item in box.pending()] == [a1, b1]  # a2 waits behind a1
    box.record_failure(a1, "Rasa unreachable")
    assert [item.id for item in box.pending()] == [b1]  # alice blocked until a1's retry time
    clock.now += backoff(1) + timedelta(seconds=1)
    assert [item.id for item in box.pending()] == [a1, b1]
    box.mark_delivered(a1, "alice")
    assert [item.id for item in box.pending()] == [a2, b1]


def test_backoff_grows_and_is_capped():
    assert [backoff(n).seconds for n in (1, 2, 3)] == [2, 4, 8]
    assert backoff(30).seconds == 300


class FakeRasa:
    """Rasa's HTTP API as far as delivery uses it: checks the token and, like the real action, says the
    update tagged with its row in the conversation it saves and answers (`says=False`: the action server is
    down, Rasa still answers 200)."""

    def __init__(self, outbox: Outbox, status: int = 200, says: bool = True) -> None:
        self.outbox, self.status, self.says = outbox, status, says
        self.calls: list[tuple[str, dict, dict]] = []
        self.events: dict[str, list[dict]] = {}

    async def trigger(self, request: web.Request) -> web.Response:
        if request.query.get("token") != "secret":
            return web.json_response({"message": "no token"}, status=401)
        body = await request.json()
        sender = request.match_info["sender"]
        self.calls.append((sender, dict(request.query), body))
        events = self.events.setdefault(sender, [])
        notification_id = int(body["entities"]["notification_id"])
        text = self.outbox.undelivered_text(notification_id, sender)
        if self.status == 200 and self.says and text and not said_in(events, notification_id):
            message = update_message(notification_id, text)
            events.append({"event": "bot", "text": message.pop("text"), "data": message})
        return web.json_response({"tracker": {"events": events}}, status=self.status)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/conversations/{sender}/trigger_intent", self.trigger)
        app.router.add_get("/status", lambda request: web.json_response({"model_file": "dvc.tar.gz"}))
        return app


async def deliver_once(box: Outbox, rasa: FakeRasa | None, token: str = "secret") -> tuple[int, str]:
    if rasa is None:
        delivery = RasaDelivery(box, "http://127.0.0.1:9", token)  # nothing listens there
        async with ClientSession() as client:
            return await delivery.deliver_pending(client), ""
    server = TestServer(rasa.app())
    await server.start_server()
    try:
        delivery = RasaDelivery(box, str(server.make_url("")), token)
        async with ClientSession() as client:
            return await delivery.deliver_pending(client), ""
    finally:
        await server.close()


def last_error(sessions, notification_id: int) -> tuple[int, str]:
    with sessions() as session:
        row = session.get(Notification, notification_id)
        return row.attempts, row.last_error


def test_delivery_calls_the_external_intent_on_the_conversations_channel(outbox):
    box, sessions, _ = outbox
    first = notify(sessions, "alice", "Đã chuyển phòng Tư pháp")
    rasa = FakeRasa(box)
    assert asyncio.run(deliver_once(box, rasa))[0] == 1
    sender, query, body = rasa.calls[0]
    assert sender == "alice" and query["output_channel"] == "rest"
    assert body == {"name": EXTERNAL_INTENT, "entities": {"notification_id": str(first)}}
    assert box.pending() == []


@pytest.mark.parametrize(
    ("rasa", "token", "error"),
    [
        (None, "secret", "Rasa unreachable"),
        ("500", "secret", "HTTP 500"),
        ("ok", "wrong", "HTTP 401"),
        ("action-down", "secret", "action did not deliver"),
    ],
)
def test_failures_are_recorded_and_retried_later(outbox, rasa, token, error):
    box, sessions, clock = outbox
    first = notify(sessions, "alice", "x")
    server = {
        None: None,
        "500": FakeRasa(box, status=500),
        "ok": FakeRasa(box),
        "action-down": FakeRasa(box, says=False),
    }[rasa]
    assert asyncio.run(deliver_once(box, server, token))[0] == 0
    attempts, message = last_error(sessions, first)
    assert attempts == 1 and error in message
    assert box.pending() == []  # waiting for its retry time
    clock.now += timedelta(seconds=3)
    assert asyncio.run(deliver_once(box, FakeRasa(box)))[0] == 1  # Rasa is back: delivered
    assert box.undelivered_text(first, "alice") is None


def test_a_delivery_retried_after_rasas_answer_was_lost_says_nothing_twice(outbox):
    """The back-office died after Rasa had saved the update in the conversation: the retry finds it there,
    says nothing again and marks the row."""
    box, sessions, _ = outbox
    first = notify(sessions, "alice", "Hồ sơ đã được tiếp nhận")
    rasa = FakeRasa(box)
    tagged = update_message(first, "Hồ sơ đã được tiếp nhận")
    rasa.events["alice"] = [{"event": "bot", "text": tagged.pop("text"), "data": tagged}]
    assert asyncio.run(deliver_once(box, rasa))[0] == 1
    assert len(rasa.events["alice"]) == 1 and len(rasa.calls) == 1
    assert box.pending() == [] and box.undelivered_text(first, "alice") is None


def test_when_rasa_comes_back_everything_waiting_goes_at_once(outbox):
    """After an outage the notifications do not wait out their growing retry delays (up to 5 minutes)."""
    box, sessions, clock = outbox
    first = notify(sessions, "alice", "x")

    async def scenario() -> int:
        rasa = FakeRasa(box)
        server = TestServer(rasa.app())
        await server.start_server()
        url = str(server.make_url(""))
        port = server.port
        await server.close()  # Rasa is down
        delivery = RasaDelivery(box, url, "secret")
        async with ClientSession() as client:
            for _ in range(6):  # six failed rounds: the next retry would be about a minute away
                clock.now += timedelta(minutes=5)
                await delivery.deliver_pending(client)
            assert box.pending() == []
            server = TestServer(rasa.app(), port=port)
            await server.start_server()  # Rasa is back
            try:
                return await delivery.deliver_pending(client)
            finally:
                await server.close()

    assert asyncio.run(scenario()) == 1
    assert last_error(sessions, first)[0] == 7


def test_two_back_office_processes_never_claim_the_same_notification(outbox):
    """Two delivery loops (each with its own connections, as two processes have) claim concurrently: every
    notification is claimed once, and each conversation's in the order they were written."""
    box, sessions, clock = outbox
    written = {
        sender: [notify(sessions, sender, f"{sender} {n}") for n in range(15)] for sender in ("alice", "bob")
    }
    url = str(sessions.kw["bind"].url)
    claims: dict[str, list[int]] = {"one": [], "two": []}
    in_order: list[int] = []  # every claim, as it happened
    lock = threading.Lock()

    def deliver(name: str) -> None:
        own = Outbox(sessionmaker(bind=make_engine(url), future=True, expire_on_commit=False), clock)
        for _ in range(200):
            for claimed in own.claim(limit=5):
                with lock:
                    claims[name].append(claimed.id)
                    in_order.append(claimed.id)
                own.mark_delivered(claimed.id, claimed.sender_id)

    threads = [threading.Thread(target=deliver, args=(name,)) for name in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = claims["one"] + claims["two"]
    assert sorted(everything) == sorted(written["alice"] + written["bob"])  # all, none twice
    assert claims["one"] and claims["two"]  # both took part
    for ids in written.values():
        assert [claimed for claimed in in_order if claimed in ids] == ids  # never overtaken
    assert box.waiting() == 0


def test_a_claim_held_by_a_dead_process_is_delivered_after_its_lease(outbox):
    box, sessions, clock = outbox
    first = notify(sessions, "alice", "Hồ sơ đã được tiếp nhận")
    assert [claimed.id for claimed in box.claim()] == [first]  # then the process dies
    other = Outbox(sessions, clock)
    assert other.claim() == []  # held
    clock.now += CLAIM_LEASE
    assert [claimed.id for claimed in other.claim()] == [first]
