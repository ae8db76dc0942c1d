"""Telegram's Bot API through python-telegram-bot 22 (a plain `Bot`, no polling `Application`): sending the
queued calls with their outcome for the queue, callback answers, file downloads and the webhook set-up."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import httpx
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    WebhookInfo,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.channels.sender import FAIL, RETRY, SENT, Outcome
from bot.settings import TelegramSettings

logger = logging.getLogger(__name__)

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves files up to 20 MB
UPLOAD_LIMIT = 50 * 1024 * 1024  # sendDocument accepts files up to 50 MB


class FileTooLargeError(ValueError):
    pass


def reply_markup(data: dict[str, Any] | None) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(**b) for b in row] for row in data["inline_keyboard"]]
        )
    return ReplyKeyboardMarkup(
        [[KeyboardButton(**b) for b in row] for row in data["keyboard"]],
        one_time_keyboard=data.get("one_time_keyboard", False),
        resize_keyboard=data.get("resize_keyboard", False),
    )


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramClient:
    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        self.bot = Bot(
            settings.bot_token,
            base_url=settings.api_base_url,
            base_file_url=settings.file_base_url,
            request=HTTPXRequest(connection_pool_size=32, read_timeout=15, connect_timeout=5),
        )
        self._ready = asyncio.Lock()

    async def _ensure_ready(self) -> None:
        async with self._ready:
            await self.bot.initialize()  # once; calls getMe (raises while Telegram cannot be reached)

    async def send(self, body: dict[str, Any]) -> Outcome:
        """Make one queued call (sendMessage / sendDocument) and say what the queue should do next."""
        params = dict(body["params"])
        try:
            await self._ensure_ready()
            if body["method"] == "sendDocument":
                document = await self._fetch(params["document"])
                if document is None:  # the link stays in the message text; do not hold up later messages
                    return Outcome(FAIL, "the document could not be fetched from the back-office")
                file = InputFile(document, filename=params.get("caption"))
                await self.bot.send_document(params["chat_id"], file, caption=params.get("caption"))
            else:
                await self.bot.send_message(
                    params["chat_id"], params["text"], reply_markup=reply_markup(params.get("reply_markup"))
                )
        except RetryAfter as error:
            return Outcome(RETRY, "flood limit", retry_after=_seconds(error.retry_after))
        except Forbidden as error:  # the citizen blocked the bot: nothing will get through
            return Outcome(FAIL, f"forbidden: {error.message}")
        except BadRequest as error:  # the call itself is wrong: retrying cannot help
            return Outcome(FAIL, f"bad request: {error.message}")
        except TelegramError as error:  # network errors, time-outs, 5xx, an unreachable server
            return Outcome(RETRY, f"{type(error).__name__}: {error.message}")
        return Outcome(SENT)

    @staticmethod
    async def _fetch(url: str) -> bytes | None:
        """Our own file (the declaration PDF) is uploaded: Telegram's servers may not reach the back-office's
        URL, and an upload works whether that URL is public or not."""
        try:
            async with httpx.AsyncClient(timeout=20) as client:
                answer = await client.get(url)
            if answer.status_code != 200 or len(answer.content) > UPLOAD_LIMIT:
                return None
            return answer.content
        except httpx.HTTPError:
            return None

    async def answer_callback(self, callback_id: str) -> None:
        """Stops the button's spinner; a failure here only leaves it spinning a little longer."""
        try:
            await self._ensure_ready()
            await self.bot.answer_callback_query(callback_id)
        except TelegramError as error:
            logger.warning("answerCallbackQuery failed: %s", type(error).__name__)

    async def remove_buttons(self, chat_id: str, message_id: int) -> None:
        """The pressed message loses its keyboard, so old choices cannot be pressed again by mistake."""
        try:
            await self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        except TelegramError as error:
            logger.info("editMessageReplyMarkup failed: %s", type(error).__name__)

    async def download(self, file_id: str, size: int | None) -> bytes:
        if size is not None and size > DOWNLOAD_LIMIT:
            raise FileTooLargeError(file_id)
        await self._ensure_ready()
        file = await self.bot.get_file(file_id)
        if file.file_size is not None and file.file_size > DOWNLOAD_LIMIT:
            raise FileTooLargeError(file_id)
        return bytes(await file.download_as_bytearray())

    async def set_webhook(self, url: str) -> bool:
        allowed = ["message", "callback_query"]
        return await self.bot.set_webhook(
            url, secret_token=self.settings.secret_token, allowed_updates=allowed
        )

    async def webhook_info(self) -> WebhookInfo:
        return await self.bot.get_webhook_info()

    async def close(self) -> None:
        await self.bot.shutdown()
