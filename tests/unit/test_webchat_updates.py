"""The widget's pull of delivered dossier updates: only its own conversation's, only after the last seen."""

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from backoffice.webchat_updates import add_webchat_updates
from bot.db.models import Notification
from tests.unit.test_notifications import notify, outbox  # noqa: F401  (the outbox fixture)

SENDER = "3f2b9c1e-0000-4000-8000-000000000001"


async def fetch(box, query: str) -> tuple[int, dict]:
    app = web.Application()
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
    box.claim(first, "alice")
    box.claim(second, "alice")
    status, body = asyncio.run(fetch(box, "sender=alice&after=0"))
    assert status == 400  # sender ids are long random strings
    with sessions() as session, session.begin():
        session.execute(
            update(Notification).where(Notification.sender_id == "alice").values(sender_id=SENDER)
        )
    status, body = asyncio.run(fetch(box, f"sender={SENDER}&after={first}"))
    assert status == 200 and [message["id"] for message in body["messages"]] == [second]
    assert body["messages"][0]["buttons"][0]["payload"] == (
        '/ask_dossier_status{"dossier_code": "000.00.12.H23-261120-0001"}'
    )
    assert asyncio.run(fetch(box, f"sender={SENDER}&after=x"))[0] == 400
