"""Zalo Official Account as a Rasa channel: `POST /webhooks/zalo/webhook`, replies through the OA API.

Zalo retries a webhook that has not answered within 2 s and finally unsubscribes it, so each event is checked
(signature, age, duplicate), acknowledged at once, and its turn runs in the background, one at a time per
citizen so their messages keep their order. Replies and pushed dossier updates go through the durable queue;
one that Zalo refuses because the citizen has been silent too long is sent by SMS (dossier updates) and shown
in the chat the next time they write.

Operators: `python -m connectors.zalo set-tokens` stores a new token pair from the environment (after
re-authorising the app in Zalo's console); `python -m connectors.zalo token-status` shows its expiry.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import messages
from bot.channels.platform_tokens import PlatformTokens, TokenPair
from bot.channels.queue import QueuedMessage
from bot.channels.records import shared_phone_hash
from bot.channels.render import render_zalo
from bot.channels.sender import ChannelSender
from bot.channels.zalo_client import SEED_VALIDITY, TOKEN_NAME, ZaloClient, signature_ok
from bot.dossiers.attachments import AttachmentRejectedError
from bot.limits.chat import ChatGuard
from bot.replies import Reply, intent_payload
from bot.services import Services, services
from connectors.common import OnNewMessage, PlatformInput, QueuedOutput, in_thread

logger = logging.getLogger(__name__)

CHANNEL = "zalo"
TEXT = "user_send_text"
FILES = {"user_send_image", "user_send_file"}
FOLLOW = "follow"
SUBMIT_INFO = "user_submit_info"
IGNORED = {
    "unfollow",
    "oa_send_text",
    "oa_send_image",
    "oa_send_file",
    "user_seen_message",
    "user_received_message",
}


def _object(value: Any) -> dict[str, Any]:
    """A part of a (signed) event that should be a JSON object; {} when it is missing or is not one."""
    return value if isinstance(value, dict) else {}


def _user(event: dict[str, Any]) -> str:
    return str(_object(event.get("sender") or event.get("follower")).get("id", ""))


def event_key(event: dict[str, Any]) -> str:
    """What makes an event unique: its msg_id, or for events without one, who did what when."""
    msg_id = _object(event.get("message")).get("msg_id")
    if msg_id:
        return str(msg_id)
    return f"{event.get('event_name')}:{_user(event)}:{event.get('timestamp')}"


class ZaloRuntime:
    def __init__(self, app: Services) -> None:
        self.app = app
        self.settings = app.settings.zalo
        self.client = ZaloClient(self.settings, PlatformTokens(app.sessions))
        self.sender = ChannelSender(app.channel_queue, CHANNEL, self.client.send, on_hold=self._sms_instead)
        self.output = QueuedOutput(
            CHANNEL,
            self.sender,
            lambda reply, user: render_zalo(reply, user, self.settings.request_info_image_url),
            app,
        )
        self._turns: dict[str, asyncio.Queue] = {}
        self.guard = ChatGuard(app.settings.chat_limits)  # keyed by user: every event is from Zalo

    def check(self, raw_body: bytes, signature: str | None) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status to answer, the event when it is to be processed)."""
        try:
            event = json.loads(raw_body)
            json.dumps(event, ensure_ascii=False).encode()  # a lone surrogate ("\ud800") is no text
        except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested too deep
            return 400, None
        if not isinstance(event, dict):
            return 400, None
        if not signature_ok(self.settings, raw_body, event, signature):
            return 403, None
        if str(event.get("app_id", "")) != self.settings.app_id:
            return 403, None
        try:
            sent_ms = int(str(event.get("timestamp")))
        except ValueError:
            return 400, None
        if abs(int(time.time() * 1000) - sent_ms) > self.settings.max_event_age_seconds * 1000:
            return 403, None  # too old (or far in the future): a replayed event
        if not isinstance(event.get("event_name"), str):
            return 400, None
        return 200, event

    async def accept(self, event: dict[str, Any], on_new_message: OnNewMessage) -> None:
        """Queue the event's turn behind the citizen's earlier ones and return at once."""
        if event.get("event_name") in IGNORED:
            return
        if not await in_thread(self.app.channel_updates.first_time, CHANNEL, event_key(event)):
            return
        user = _user(event)
        if not user:
            return
        typed = _object(event.get("message")).get("text") if event.get("event_name") == TEXT else None
        refusal = self.guard.check(user, typed if isinstance(typed, str) and typed else None)
        if refusal is not None:  # the event is dropped (already acknowledged): the citizen is told once
            if refusal.tell:
                await self.output.send_reply(user, Reply(refusal.text))
            return
        turns = self._turns.get(user)
        if turns is None:
            turns = self._turns[user] = asyncio.Queue()
            asyncio.get_running_loop().create_task(self._run_turns(user, turns, on_new_message))
        turns.put_nowait(event)

    async def _run_turns(self, user: str, turns: asyncio.Queue, on_new_message: OnNewMessage) -> None:
        try:
            while not turns.empty():
                event = turns.get_nowait()
                try:
                    await self._turn(user, event, on_new_message)
                except Exception:
                    logger.exception("zalo event %s: the turn failed", event.get("event_name"))
                    await self.output.send_reply(user, Reply(messages.TURN_FAILED))
        finally:
            self._turns.pop(user, None)
            if not turns.empty():  # an event arrived while the last turn was ending
                self._turns[user] = turns
                asyncio.get_running_loop().create_task(self._run_turns(user, turns, on_new_message))

    async def _turn(self, user: str, event: dict[str, Any], on_new_message: OnNewMessage) -> None:
        await self.sender.release_held(user)  # they wrote: what Zalo refused earlier reaches them now
        text = await self._text_for_rasa(user, event)
        if text is not None and await in_thread(self.app.handover_desk.relay, CHANNEL, user, text):
            return  # an officer holds the conversation (bot/handover): they answer, not the bot
        if text is not None:
            await on_new_message(
                UserMessage(
                    text, self.output, user, input_channel=CHANNEL, message_id=f"zalo-{event_key(event)}"
                )
            )

    async def _text_for_rasa(self, user: str, event: dict[str, Any]) -> str | None:
        name = event.get("event_name")
        message = _object(event.get("message"))
        if name == TEXT:
            text = str(message.get("text") or "")
            return await in_thread(self.app.button_payloads.expand, text) if text else None
        if name == FOLLOW:
            return intent_payload("greet")
        if name == SUBMIT_INFO:
            return await self._shared_phone(user, str(_object(event.get("info")).get("phone") or ""))
        if name in FILES:
            return await self._attachment(user, message)
        await self.output.send_reply(user, Reply(messages.UNSUPPORTED_MESSAGE))
        return None

    async def _shared_phone(self, user: str, phone: str) -> str:
        """The phone of the citizen's own Zalo account (they pressed "share" on our request card)."""
        hashed = shared_phone_hash(self.app.secret, phone)
        if hashed:
            await in_thread(self.app.verified_contacts.record, CHANNEL, user, hashed)
        return intent_payload("phone_shared")

    async def _attachment(self, user: str, message: dict[str, Any]) -> str | None:
        attachments = message.get("attachments")
        attachment = _object(attachments[0] if isinstance(attachments, list) and attachments else None)
        payload = _object(attachment.get("payload"))
        url = str(payload.get("url") or "")
        filename = str(payload.get("name") or ("anh.jpg" if attachment.get("type") == "image" else "tep"))
        try:
            content = await self.client.download(url)
            saved = await in_thread(self.app.attachments.save, filename, content)
        except ValueError as error:
            text = str(error) if isinstance(error, AttachmentRejectedError) else messages.FILE_TOO_LARGE
            await self.output.send_reply(user, Reply(text))
            return None
        except Exception:
            logger.exception("zalo file could not be downloaded")
            await self.output.send_reply(user, Reply(messages.FILE_NOT_DOWNLOADED))
            return None
        return intent_payload("attach", upload_id=saved.upload_id)

    async def _sms_instead(self, message: QueuedMessage) -> None:
        """Zalo will not deliver until the citizen writes again: a dossier update goes by SMS meanwhile."""
        if not message.dossier_code:
            return
        text = str((message.body.get("message") or {}).get("text") or "")
        forms = self.app.forms
        phone = await in_thread(
            self.app.dossiers.declared_phone,
            message.dossier_code,
            lambda code: forms[code].phone_field if code in forms else None,
        )
        if phone and text:
            try:
                await in_thread(self.app.sms.send, phone, text)
            except Exception:
                logger.exception("SMS instead of Zalo message %s failed", message.id)


@lru_cache(maxsize=1)
def runtime() -> ZaloRuntime:
    """The process's one runtime, built on first use (by the server, never at import)."""
    return ZaloRuntime(services())


class ZaloInput(PlatformInput):
    CHANNEL = CHANNEL

    def enabled(self) -> bool:
        return services().settings.zalo.enabled

    def output(self) -> QueuedOutput:
        return runtime().output

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        channel = runtime()
        status, event = channel.check(request.body, request.headers.get("X-ZEvent-Signature"))
        if event is None:
            return response.json({"error": "refused"}, status=status)
        await channel.accept(event, on_new_message)
        return response.json({"ok": True})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors.zalo", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["set-tokens", "token-status"])
    args = parser.parse_args(argv)
    app = services()
    tokens = PlatformTokens(app.sessions)
    settings = app.settings.zalo
    if args.command == "set-tokens":
        if not settings.access_token or not settings.refresh_token:
            print("Set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN to the new pair first.", file=sys.stderr)
            return 2
        expires = datetime.now(timezone.utc) + SEED_VALIDITY
        tokens.replace(TOKEN_NAME, TokenPair(settings.access_token, settings.refresh_token, expires))
        print("Stored the new Zalo token pair; the running servers use it from their next message.")
    pair = tokens.current(TOKEN_NAME)
    print(f"access token valid until: {pair.expires_at.isoformat() if pair else '(no token stored yet)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
