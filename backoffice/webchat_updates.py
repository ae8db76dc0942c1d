"""Dossier updates for the web widget. The widget talks to Rasa over REST, which cannot push, so it asks
here from time to time for the updates Rasa has delivered to its conversation (the outbox's delivered rows).

The conversation id is a random UUID kept in the browser: knowing it entitles one to its updates."""

from __future__ import annotations

import asyncio
import re

from aiohttp import web

from bot.notifications.outbox import Outbox
from bot.notifications.replies import update_reply

OUTBOX_KEY = web.AppKey("webchat_outbox", Outbox)
CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}
SENDER = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
WIDGET_CHANNEL = "rest"


async def updates(request: web.Request) -> web.Response:
    sender = request.query.get("sender", "")
    after = request.query.get("after", "0")
    if not SENDER.match(sender) or not after.isdigit():
        return web.json_response(
            {"error": "sender and after (a number) are required"}, status=400, headers=CORS
        )
    rows = await asyncio.get_running_loop().run_in_executor(
        None, request.app[OUTBOX_KEY].delivered_to, WIDGET_CHANNEL, sender, int(after)
    )
    messages = []
    for notification_id, text in rows:
        reply = update_reply(text)
        buttons = [{"title": button.title, "payload": button.payload} for button in reply.buttons]
        messages.append({"id": notification_id, "text": reply.text, "buttons": buttons})
    return web.json_response({"messages": messages}, headers=CORS)


def add_webchat_updates(app: web.Application, outbox: Outbox) -> None:
    app[OUTBOX_KEY] = outbox
    app.router.add_get("/webchat/updates", updates, name="webchat_updates")
