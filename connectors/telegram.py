"""Telegram as a Rasa channel: `POST /webhooks/telegram/webhook`, replies through python-telegram-bot.

Not Rasa's own Telegram channel: that one authenticates nothing, drops photos, documents, contacts and
callback answers, and cannot push (its get_output_channel runs asyncio.run inside the server's loop).
Here the webhook checks Telegram's secret token, each update is processed once (also across restarts),
button presses are answered and echoed, photos and documents become dossier attachments, a shared contact
of the sender's own account verifies their phone, and every reply goes through the durable queue.

Operators: `python -m connectors.telegram set-webhook` registers the webhook (TELEGRAM_WEBHOOK_URL) with the
secret; `python -m connectors.telegram webhook-info` shows what Telegram last saw.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import sys
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import CallbackQuery, Message, Update

from bot.channels import messages
from bot.channels.records import shared_phone_hash
from bot.channels.render import render_telegram, telegram_button_title
from bot.channels.sender import ChannelSender
from bot.channels.telegram_client import FileTooLargeError, TelegramClient
from bot.dossiers.attachments import AttachmentRejectedError
from bot.limits.chat import ChatGuard
from bot.replies import Reply, intent_payload
from bot.services import Services, services
from connectors.common import OnNewMessage, PlatformInput, QueuedOutput, in_thread

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
START_COMMAND = "/start"  # what Telegram sends when a citizen opens the bot: greet them


class TelegramRuntime:
    """The process's Telegram client, queue sender and output channel."""

    def __init__(self, app: Services) -> None:
        self.app = app
        self.settings = app.settings.telegram
        self.client = TelegramClient(self.settings)
        self.sender = ChannelSender(app.channel_queue, CHANNEL, self.client.send)
        self.output = QueuedOutput(
            CHANNEL, self.sender, lambda reply, chat: render_telegram(reply, chat), app
        )
        self.guard = ChatGuard(app.settings.chat_limits)  # keyed by chat: every update is from Telegram

    def secret_ok(self, header: str | None) -> bool:
        expected = self.settings.secret_token
        # Sanic decodes header bytes that are not UTF-8 as surrogates: encode them back the same way.
        given = (header or "").encode("utf-8", "surrogateescape")
        return bool(expected) and hmac.compare_digest(given, expected.encode())

    async def say(self, chat_id: str, text: str) -> None:
        await self.output.send_reply(chat_id, Reply(text))

    async def handle(self, update: Update, on_new_message: OnNewMessage) -> None:
        if update.effective_chat is None or update.effective_chat.type != "private":
            return  # the assistant talks to citizens one to one, not in groups or channels
        if not await in_thread(self.app.channel_updates.first_time, CHANNEL, str(update.update_id)):
            return  # Telegram retried an update we have already processed
        chat_id = str(update.effective_chat.id)
        try:  # python-telegram-bot does not check types: a field of the wrong type fails here, politely
            typed = update.message.text if update.message is not None else None
            refusal = self.guard.check(chat_id, typed or None)
            if refusal is not None:
                if update.callback_query is not None:
                    await self.client.answer_callback(update.callback_query.id)
                if refusal.tell:
                    await self.say(chat_id, refusal.text)
                return
            text = await self._text_for_rasa(update, chat_id)
            if text is None:
                return
            if await in_thread(self.app.handover_desk.relay, CHANNEL, chat_id, text):
                return  # an officer holds the conversation (bot/handover): they answer, not the bot
            await on_new_message(
                UserMessage(
                    text, self.output, chat_id, input_channel=CHANNEL, message_id=f"tg-{update.update_id}"
                )
            )
        except Exception:
            logger.exception("telegram update %s: the turn failed", update.update_id)
            await self.say(chat_id, messages.TURN_FAILED)

    async def _text_for_rasa(self, update: Update, chat_id: str) -> str | None:
        """What the citizen's update means as a message to the assistant, or None when handled here."""
        if update.callback_query is not None:
            return await self._pressed(update.callback_query, chat_id)
        message = update.message
        if message is None:
            return None
        if message.text:
            return intent_payload("greet") if message.text.strip() == START_COMMAND else message.text
        if message.contact is not None:
            return await self._contact(message, chat_id)
        if message.photo or message.document:
            return await self._attachment(message, chat_id)
        await self.say(chat_id, messages.UNSUPPORTED_MESSAGE)
        return None

    async def _pressed(self, query: CallbackQuery, chat_id: str) -> str | None:
        await self.client.answer_callback(query.id)
        data = await in_thread(self.app.button_payloads.expand, query.data or "")
        if query.message is not None and isinstance(query.message, Message):
            markup = query.message.reply_markup.to_dict() if query.message.reply_markup else None
            title = telegram_button_title(markup, query.data or "")
            await self.client.remove_buttons(chat_id, query.message.message_id)
            if title:
                await self.say(chat_id, messages.CHOICE_ECHO.format(title=title))
        return data or None

    async def _contact(self, message: Message, chat_id: str) -> str:
        contact = message.contact
        own = (
            contact.user_id is not None
            and message.from_user is not None
            and contact.user_id == message.from_user.id
        )
        hashed = shared_phone_hash(self.app.secret, contact.phone_number) if own else None
        if hashed:
            await in_thread(self.app.verified_contacts.record, CHANNEL, chat_id, hashed)
        return intent_payload("phone_shared")

    async def _attachment(self, message: Message, chat_id: str) -> str | None:
        if message.photo:
            photo = message.photo[-1]  # the largest size
            file_id, size, filename = photo.file_id, photo.file_size, f"anh-{photo.file_unique_id}.jpg"
        else:
            document = message.document
            file_id, size, filename = document.file_id, document.file_size, document.file_name or "tep"
        try:
            content = await self.client.download(file_id, size)
            attachment = await in_thread(self.app.attachments.save, filename, content)
        except FileTooLargeError:
            await self.say(chat_id, messages.FILE_TOO_LARGE)
            return None
        except AttachmentRejectedError as rejected:
            await self.say(chat_id, str(rejected))
            return None
        except Exception:
            logger.exception("telegram file could not be downloaded")
            await self.say(chat_id, messages.FILE_NOT_DOWNLOADED)
            return None
        return intent_payload("attach", upload_id=attachment.upload_id)


def parse_update(data: Any) -> Update | None:
    """The Update in a webhook body, or None when the body is not shaped like one (a positive integer
    update_id, and objects where the Bot API has objects: python-telegram-bot fails on anything else)."""
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if type(update_id) is not int or not 0 <= update_id < 2**63:  # the update log keeps it as text
        return None
    try:
        json.dumps(data, ensure_ascii=False).encode()  # a lone surrogate ("\ud800") is no text
        return Update.de_json(data, None)
    except Exception:
        logger.warning("telegram webhook: a body that is not a Telegram update was refused")
        return None


@lru_cache(maxsize=1)
def runtime() -> TelegramRuntime:
    """The process's one runtime, built on first use (by the server, never at import)."""
    return TelegramRuntime(services())


class TelegramInput(PlatformInput):
    CHANNEL = CHANNEL

    def enabled(self) -> bool:
        return services().settings.telegram.enabled

    def output(self) -> QueuedOutput:
        return runtime().output

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        channel = runtime()
        if not channel.secret_ok(request.headers.get("X-Telegram-Bot-Api-Secret-Token")):
            return response.json({"error": "forbidden"}, status=403)
        update = parse_update(request.json)
        if update is None:
            return response.json({"error": "not a Telegram update"}, status=400)
        await channel.handle(update, on_new_message)
        return response.json({"ok": True})


async def _cli(command: str, url: str | None) -> int:
    settings = services().settings.telegram
    if not settings.enabled:
        print("TELEGRAM_BOT_TOKEN is not set.", file=sys.stderr)
        return 2
    client = TelegramClient(settings)
    try:
        if command == "set-webhook":
            target = url or settings.webhook_url
            if not target or not settings.secret_token:
                print("Set TELEGRAM_WEBHOOK_URL (or --url) and TELEGRAM_SECRET_TOKEN first.", file=sys.stderr)
                return 2
            await client.set_webhook(target)
            print(f"Webhook set: {target}")
        info = await client.webhook_info()
        print(f"url: {info.url or '(none)'}\npending updates: {info.pending_update_count}")
        if info.last_error_message:
            print(f"last error: {info.last_error_message} at {info.last_error_date}")
    finally:
        await client.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors.telegram", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["set-webhook", "webhook-info"])
    parser.add_argument(
        "--url", help="public https URL of /webhooks/telegram/webhook (default TELEGRAM_WEBHOOK_URL)"
    )
    args = parser.parse_args(argv)
    return asyncio.run(_cli(args.command, args.url))


if __name__ == "__main__":
    sys.exit(main())
