"""Rasa's REST channel (the web widget's, /webhooks/rest/webhook) with the limits a public endpoint needs.

Rasa's RestInput answers whatever it is sent: a body that is not a JSON object is a 500, a 1 MB message goes
to the NLU, and nothing bounds how fast one conversation, or one address inventing new conversations, may
write. Here a request is checked before Rasa sees it: the body (a JSON object with a `sender` and a text
`message`), the message's length (a polite Vietnamese reply instead of an answer), then the rate per
conversation and per client address (429 with Retry-After, and the same polite reply as the bot's message,
which the widget shows). While an officer holds the conversation (bot/handover), the message goes to the
officer instead, and the bot says nothing."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handover.desk import HandoverDesk
from bot.limits.chat import ChatGuard
from bot.services import services
from bot.settings import ChatLimits
from connectors.common import in_thread

MAX_SENDER_CHARS = 128


class LimitedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> LimitedRestInput:
        app = services()
        return cls(app.settings.chat_limits, app.handover_desk)

    def __init__(self, limits: ChatLimits | None = None, desk: HandoverDesk | None = None) -> None:
        self.limits = limits or ChatLimits()
        self.guard = ChatGuard(self.limits)
        self.desk = desk

    def blueprint(self, on_new_message: Any) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def guard(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
                return None
            refusal = self.refusal(request)
            if refusal is not None or self.desk is None:
                return refusal
            body = request.json
            if await in_thread(self.desk.relay, self.name(), body["sender"], body["message"]):
                return response.json([])  # an officer holds the conversation: they answer, not the bot
            return None

        return webhook

    def refusal(self, request: Request) -> HTTPResponse | None:
        """None when Rasa may take the message, else the answer to give instead."""
        try:
            body = request.json
        except Exception:  # Sanic's parse error: not JSON, not UTF-8
            return response.json({"error": "Nội dung không phải JSON hợp lệ."}, status=400)
        if not isinstance(body, dict):
            return response.json({"error": "Nội dung phải là một đối tượng JSON."}, status=400)
        sender, message = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS or not sender.isprintable():
            return response.json({"error": f"«sender» phải là chuỗi 1–{MAX_SENDER_CHARS} ký tự."}, status=400)
        if not isinstance(message, str):
            return response.json({"error": "«message» phải là chuỗi ký tự."}, status=400)
        address = request.remote_addr or request.ip or "unknown"
        refusal = self.guard.check(sender, message, address)
        if refusal is None:
            return None
        if not refusal.retry_after_seconds:  # too long: an answer, not an error (the widget shows it)
            return response.json([self.said(sender, refusal.text)])
        return response.json(
            [self.said(sender, refusal.text)],
            status=429,
            headers={"Retry-After": str(refusal.retry_after_seconds)},
        )

    @staticmethod
    def said(sender: str, text: str) -> dict[str, str]:
        return {"recipient_id": sender, "text": text}
