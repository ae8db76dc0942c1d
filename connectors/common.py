"""What the Telegram and Zalo connectors share: one process-wide runtime per channel (its platform client
and queue sender, started with the Rasa server) and the output channel that queues rendered replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.render import Rendered
from bot.channels.sender import ChannelSender
from bot.notifications.replies import tag_of
from bot.replies import Reply, from_rasa
from bot.services import Services

logger = logging.getLogger(__name__)

Renderer = Callable[[Reply, str], Rendered]


async def in_thread(function: Callable[..., Any], *args: Any) -> Any:
    """Database and file work off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


class QueuedOutput(OutputChannel):
    """Renders each reply for its platform and queues it: the queue sends in order and retries outages, so
    a reply or a pushed dossier update is never lost while the platform is down."""

    def __init__(self, channel: str, sender: ChannelSender, render: Renderer, app: Services) -> None:
        self.channel = channel
        self.sender = sender
        self.render = render
        self.app = app

    def name(self) -> str:  # type: ignore[override]
        return self.channel

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        reply = from_rasa(message)
        await self.send_reply(recipient_id, reply, tag_of(message))

    async def send_reply(self, recipient_id: str, reply: Reply, notification_id: int | None = None) -> None:
        """Queue the rendered reply; a dossier update (`notification_id`) is queued once, however often Rasa
        says it (a retried delivery after a crash)."""
        rendered = self.render(reply, recipient_id)
        await in_thread(self.app.button_payloads.store, rendered.tokens)
        await self.sender.send(recipient_id, rendered.messages, reply.dossier_update, notification_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_reply(recipient_id, Reply(text))


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class PlatformInput(InputChannel):
    """A platform's webhook as a Rasa input channel. Everything comes from the environment (bot/settings.py),
    read once; a channel without its token answers 404. Subclasses check and process one webhook call."""

    CHANNEL = ""

    @classmethod
    def name(cls) -> str:
        return cls.CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def enabled(self) -> bool:
        raise NotImplementedError

    def output(self) -> QueuedOutput:
        raise NotImplementedError

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        raise NotImplementedError

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"{self.CHANNEL}_webhook", __name__)
        enabled = self.enabled()
        if enabled:
            sender = self.output().sender

            # Retry queued messages from the moment the server runs (also those left from before a restart).
            @webhook.listener("after_server_start")
            async def start_sender(app: Any, loop: Any) -> None:
                sender.start()

            @webhook.listener("before_server_stop")
            async def stop_sender(app: Any, loop: Any) -> None:
                await sender.stop()

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if not enabled:
                return response.json({"status": "disabled"})
            return response.json({"status": "ok", "sending_rounds": sender.rounds})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not enabled:
                return response.json({"error": f"the {self.CHANNEL} channel is not configured"}, status=404)
            return await self.receive(request, on_new_message)

        return webhook

    def get_output_channel(self) -> OutputChannel | None:
        """Used when the back-office pushes a dossier update: builds nothing that needs the event loop."""
        return self.output() if self.enabled() else None
