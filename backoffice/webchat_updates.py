"""Dossier updates for the web widget. The widget talks to Rasa over REST, which cannot push, so the
back-office serves the updates Rasa has delivered to its conversation (the outbox's delivered rows):
pushed on a Server-Sent Events stream (`/webchat/events`) the moment the delivery loop announces them, or
fetched from time to time (`/webchat/updates`) where the stream cannot be used.

The conversation id is a random UUID kept in the browser: knowing it entitles one to its updates."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from backoffice.cors import cors_headers
from bot.notifications.hub import DeliveryHub
from bot.notifications.outbox import Outbox
from bot.notifications.replies import update_reply

OUTBOX_KEY = web.AppKey("webchat_outbox", Outbox)
HUB_KEY = web.AppKey("webchat_hub", DeliveryHub)
SENDER = re.compile(r"[A-Za-z0-9_.:-]{8,128}")  # whole strings only (fullmatch): no trailing newline
NUMBER = re.compile(r"[0-9]{1,18}")
WIDGET_CHANNEL = "rest"


@dataclass(frozen=True)
class StreamLimits:
    lifetime: float = 600  # seconds; then the browser reconnects (sending Last-Event-ID)
    recheck: float = 10  # another back-office process may have delivered: read the database anyway
    keep_alive: float = 15
    per_sender: int = 3
    tick: float = 1  # aiohttp does not cancel a handler whose client left: look this often


LIMITS_KEY = web.AppKey("webchat_stream_limits", StreamLimits)


def _messages(outbox: Outbox, sender: str, after: int) -> list[dict[str, Any]]:
    messages = []
    for notification_id, text, rate in outbox.delivered_to(WIDGET_CHANNEL, sender, after):
        reply = update_reply(text, rate)
        buttons = [{"title": button.title, "payload": button.payload} for button in reply.buttons]
        messages.append({"id": notification_id, "text": reply.text, "buttons": buttons})
    return messages


def _headers(request: web.Request) -> dict[str, str]:
    return {**cors_headers(request), "Cache-Control": "no-store"}


def _bad_request(request: web.Request) -> web.Response:
    error = {"error": "sender and after (a number) are required"}
    return web.json_response(error, status=400, headers=_headers(request))


async def updates(request: web.Request) -> web.Response:
    sender = request.query.get("sender", "")
    after = request.query.get("after", "0")
    if not SENDER.fullmatch(sender) or not NUMBER.fullmatch(after):
        return _bad_request(request)
    messages = await asyncio.get_running_loop().run_in_executor(
        None, _messages, request.app[OUTBOX_KEY], sender, int(after)
    )
    return web.json_response({"messages": messages}, headers=_headers(request))


def _event(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, ensure_ascii=False)
    return f"id: {message['id']}\nevent: update\ndata: {data}\n\n".encode()


async def events(request: web.Request) -> web.StreamResponse:
    """The conversation's delivered updates after `after` (or Last-Event-ID), then each new one at once."""
    sender = request.query.get("sender", "")
    after, last_event = request.query.get("after", "0"), request.headers.get("Last-Event-ID", "0") or "0"
    if not SENDER.fullmatch(sender) or not NUMBER.fullmatch(after) or not NUMBER.fullmatch(last_event):
        return _bad_request(request)
    hub, limits, outbox = request.app[HUB_KEY], request.app[LIMITS_KEY], request.app[OUTBOX_KEY]
    if hub.subscribers(WIDGET_CHANNEL, sender) >= limits.per_sender:
        return web.json_response({"error": "too many open streams"}, status=429, headers=_headers(request))
    loop = asyncio.get_running_loop()
    last = max(int(after), int(last_event))
    with hub.subscribe(WIDGET_CHANNEL, sender) as subscription:
        response = web.StreamResponse(
            headers={**_headers(request), "Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        now = loop.time()
        end, next_check, next_ping = now + limits.lifetime, now, now + limits.keep_alive
        woken = False
        try:
            await response.write(b"retry: 3000\n\n")
            while not subscription.closed and now < end:
                if request.transport is None or request.transport.is_closing():
                    break
                if now >= next_check or (woken and subscription.latest > last):
                    for message in await loop.run_in_executor(None, _messages, outbox, sender, last):
                        await response.write(_event(message))
                        last = message["id"]
                    next_check = loop.time() + limits.recheck
                if now >= next_ping:
                    await response.write(b": keep-alive\n\n")
                    next_ping = now + limits.keep_alive
                woken = await subscription.wait(min(next_check, next_ping, end, now + limits.tick) - now)
                now = loop.time()
            await response.write_eof()
        except ConnectionError:
            pass  # the client left
    return response


def add_webchat_updates(
    app: web.Application, outbox: Outbox, hub: DeliveryHub | None = None, limits: StreamLimits | None = None
) -> None:
    app[OUTBOX_KEY] = outbox
    app[HUB_KEY] = hub or DeliveryHub()
    app[LIMITS_KEY] = limits or StreamLimits()
    app.on_shutdown.append(_end_streams)
    app.router.add_get("/webchat/updates", updates, name="webchat_updates")
    app.router.add_get("/webchat/events", events, name="webchat_events")


async def _end_streams(app: web.Application) -> None:
    app[HUB_KEY].close()
