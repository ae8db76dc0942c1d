"""The widget's delivered dossier updates, pulled or streamed: only its own conversation's, only after the
last seen; on the stream, each delivery the moment the delivery loop announces it."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from backoffice import webchat_updates
from backoffice.app_keys import SETTINGS_KEY
from backoffice.webchat_updates import StreamLimits, add_webchat_updates
from bot.db.models import Dossier, Notification
from bot.notifications.delivery import RasaDelivery
from bot.notifications.hub import DeliveryHub
from bot.settings import load_settings
from tests.unit.test_notifications import FakeRasa, notify, outbox  # noqa: F401  (the outbox fixture)

SENDER = "3f2b9c1e-0000-4000-8000-000000000001"


async def fetch(box, query: str) -> tuple[int, dict]:
    app = web.Application()
    app[SETTINGS_KEY] = load_settings()
    add_webchat_updates(app, box)
    async with TestClient(TestServer(app)) as client:
        response = await client.get(f"/webchat/updates?{query}")
        return response.status, await response.json()


def test_only_delivered_updates_of_the_conversation_after_the_last_seen(outbox):  # noqa: F811
    box, sessions, _ = outbox
    first = notify(sessions, "alice", "Hồ sơ 000.00.12.H23-261120-0001 đã được tiếp nhận")
    second = notify(sessions, "alice", "Hồ sơ 000.00.12.H23-261120-0001 đã được chuyển đến Tư pháp")
    notify(sessions, "bob", "không phải của alice")
    assert asyncio.run(fetch(box, "sender=alice-conversation&after=0"))[1] == {"messages": []}
    box.mark_delivered(first, "alice")
    box.mark_delivered(second, "alice")
    status, body = asyncio.run(fetch(box, "sender=alice&after=0"))
    assert status == 400  # sender ids are long random strings
    with sessions() as session, session.begin():
        session.execute(
            update(Notification).where(Notification.sender_id == "alice").values(sender_id=SENDER)
        )
    status, body = asyncio.run(fetch(box, f"sender={SENDER}&after={first}"))
    assert status == 200 and [message["id"] for message in body["messages"]] == [second]
    assert body["messages"][0]["buttons"][0]["payload"] == (
        '/ask_dossier_status{"dossier_code":"000.00.12.H23-261120-0001"}'
    )
    assert asyncio.run(fetch(box, f"sender={SENDER}&after=x"))[0] == 400


# --- the event stream (/webchat/events) -------------------------------------------------------------------

ALICE, BOB = "3f2b9c1e-0000-4000-8000-00000000000a", "3f2b9c1e-0000-4000-8000-00000000000b"
FORWARDED = "Hồ sơ 000.00.12.H23-261120-0001 đã được chuyển đến Tư pháp"


@pytest.fixture
def conversations(outbox):  # noqa: F811
    """The outbox fixture with widget-like conversation ids (alice's and bob's dossiers)."""
    box, sessions, _ = outbox
    with sessions() as session, session.begin():
        for old, new in [("alice", ALICE), ("bob", BOB)]:
            session.execute(update(Dossier).where(Dossier.sender_id == old).values(sender_id=new))
    return box, sessions


def delivered(box, sessions, sender: str, text: str) -> int:
    notification_id = notify(sessions, sender, text)
    assert box.mark_delivered(notification_id, sender)
    return notification_id


@contextlib.asynccontextmanager
async def serve(box, hub: DeliveryHub, limits: StreamLimits) -> AsyncIterator[TestClient]:
    app = web.Application()
    app[SETTINGS_KEY] = load_settings()
    add_webchat_updates(app, box, hub, limits)
    async with TestClient(TestServer(app)) as client:
        yield client


async def next_block(response, timeout: float = 5) -> str:
    """The next event (or comment) of the stream; "" once the stream has ended."""
    lines: list[str] = []
    while line := await asyncio.wait_for(response.content.readline(), timeout):
        if line.strip():
            lines.append(line.decode().rstrip("\n"))
        elif lines:
            break
    return "\n".join(lines)


async def next_update(response, timeout: float = 5) -> dict:
    while True:
        block = await next_block(response, timeout)
        assert block, "the stream ended"
        fields = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if fields.get("event") == "update":
            message = json.loads(fields["data"])
            assert fields["id"] == str(message["id"])  # so that Last-Event-ID works on reconnect
            return message


def test_stream_sends_the_backlog_then_each_announced_delivery_at_once(conversations):
    box, sessions = conversations
    first = delivered(box, sessions, ALICE, "Hồ sơ 000.00.12.H23-261120-0001 đã được tiếp nhận")
    second = delivered(box, sessions, ALICE, FORWARDED)
    hub = DeliveryHub()

    async def scenario() -> None:
        async with serve(box, hub, StreamLimits(recheck=60)) as client:  # only the hub can be quick
            response = await client.get(f"/webchat/events?sender={ALICE}&after={first}")
            assert response.status == 200 and response.content_type == "text/event-stream"
            assert response.headers["Cache-Control"] == "no-store"
            assert response.headers["X-Accel-Buffering"] == "no"
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            backlog = await next_update(response)
            assert backlog["id"] == second and backlog["text"] == FORWARDED
            assert backlog["buttons"][0]["payload"] == (
                '/ask_dossier_status{"dossier_code":"000.00.12.H23-261120-0001"}'
            )
            hub.publish("rest", BOB, [delivered(box, sessions, BOB, "không phải của alice")])
            third = delivered(box, sessions, ALICE, "Hồ sơ đã được phân công")
            started = asyncio.get_running_loop().time()
            hub.publish("rest", ALICE, [third])
            live = await next_update(response, timeout=2)
            assert live["id"] == third and asyncio.get_running_loop().time() - started < 1
            response.close()

    asyncio.run(scenario())


def test_last_event_id_is_honoured_and_other_processes_deliveries_are_found(conversations):
    box, sessions = conversations
    first = delivered(box, sessions, ALICE, "một")
    second = delivered(box, sessions, ALICE, "hai")

    async def scenario() -> None:
        async with serve(box, DeliveryHub(), StreamLimits(recheck=0.3, tick=0.1)) as client:
            response = await client.get(
                f"/webchat/events?sender={ALICE}&after=0", headers={"Last-Event-ID": str(first)}
            )
            assert (await next_update(response))["id"] == second
            delivered(box, sessions, BOB, "của bob")
            third = delivered(box, sessions, ALICE, "ba")  # delivered elsewhere: nothing announced here
            assert (await next_update(response, timeout=3))["id"] == third
            response.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("sender=alice&after=0", {}),
        (f"sender={ALICE}&after=x", {}),
        (f"sender={ALICE}", {"Last-Event-ID": "²"}),
    ],
)
def test_stream_refuses_a_bad_request(conversations, query, headers):
    async def scenario() -> None:
        async with serve(conversations[0], DeliveryHub(), StreamLimits()) as client:
            response = await client.get(f"/webchat/events?{query}", headers=headers)
            assert response.status == 400 and response.headers["Access-Control-Allow-Origin"] == "*"

    asyncio.run(scenario())


def test_keep_alive_lifetime_cap_and_cleanup(conversations):
    hub = DeliveryHub()
    limits = StreamLimits(lifetime=1.5, keep_alive=0.2, per_sender=2, tick=0.1)
    url = f"/webchat/events?sender={ALICE}"

    async def scenario() -> None:
        async with serve(conversations[0], hub, limits) as client:
            kept, left = await client.get(url), await client.get(url)
            assert kept.status == left.status == 200 and hub.subscribers("rest", ALICE) == 2
            assert (await client.get(url)).status == 429
            assert await next_block(kept) == "retry: 3000"
            assert await next_block(kept) == ": keep-alive"
            left.close()  # the citizen closed the tab: its subscription goes
            for _ in range(20):
                if hub.subscribers("rest", ALICE) == 1:
                    break
                await asyncio.sleep(0.1)
            assert hub.subscribers("rest", ALICE) == 1
            while await next_block(kept):  # keep-alives until the lifetime ends the stream
                pass
            assert hub.subscribers("rest", ALICE) == 0

    asyncio.run(scenario())


def test_the_delivery_loop_announces_each_delivery(conversations):
    box, sessions = conversations
    notification_id = notify(sessions, ALICE, "Hồ sơ đã được tiếp nhận")
    hub = DeliveryHub()

    async def scenario() -> None:
        server = TestServer(FakeRasa(box).app())
        await server.start_server()
        try:
            with hub.subscribe("rest", ALICE) as subscription:
                delivery = RasaDelivery(box, str(server.make_url("")), "secret", hub=hub)
                async with ClientSession() as client:
                    assert await delivery.deliver_pending(client) == 1
                assert await subscription.wait(0) and subscription.latest == notification_id
        finally:
            await server.close()

    asyncio.run(scenario())


def test_a_sender_or_number_with_a_trailing_newline_is_refused():
    pattern, number = webchat_updates.SENDER, webchat_updates.NUMBER
    assert pattern.fullmatch("conversation-1") and not pattern.fullmatch("conversation-1\n")
    assert number.fullmatch("12") and not number.fullmatch("12\n")
