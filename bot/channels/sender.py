"""Sends a channel's queued messages through its platform transport: in order per recipient, retrying
outages and flood limits with backoff, holding what the platform refuses until the citizen writes again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.channels.queue import ChannelQueue, QueuedMessage

logger = logging.getLogger(__name__)

SENT = "sent"
RETRY = "retry"  # the platform is down, slow or rate-limiting: try again later
HOLD = "hold"  # refused until the citizen writes again (Zalo: no interaction for 7 days)
FAIL = "fail"  # refused for good: drop this message, go on with the next
GIVE_UP_AFTER = timedelta(days=1)  # a message the platform has not taken for a day is stale: drop it


@dataclass(frozen=True)
class Outcome:
    kind: str
    error: str = ""
    retry_after: float | None = None  # seconds, when the platform said how long to wait


Transport = Callable[[dict[str, Any]], Awaitable[Outcome]]
OnHold = Callable[[QueuedMessage], Awaitable[None]]


class ChannelSender:
    def __init__(
        self,
        queue: ChannelQueue,
        channel: str,
        transport: Transport,
        on_hold: OnHold | None = None,
        poll_seconds: float = 2.0,
    ) -> None:
        self.queue = queue
        self.channel = channel
        self.transport = transport
        self.on_hold = on_hold
        self.poll_seconds = poll_seconds
        self._locks: dict[str, asyncio.Lock] = {}
        self._task: asyncio.Task | None = None
        self.rounds = 0  # retry rounds completed by `run` (the channel's GET / shows it, for tests)

    async def _db(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    async def send(
        self,
        recipient: str,
        bodies: list[dict[str, Any]],
        dossier_code: str = "",
        notification_id: int | None = None,
    ) -> None:
        """Queue the messages (durably; a dossier update only once), then try to send them at once."""
        await self._db(self.queue.enqueue, self.channel, recipient, bodies, dossier_code, notification_id)
        await self.flush(recipient)

    async def release_held(self, recipient: str) -> None:
        """The citizen wrote: what the platform refused earlier goes out now, before the new answers."""
        if await self._db(self.queue.release_held, self.channel, recipient):
            await self.flush(recipient)

    async def flush(self, recipient: str) -> int:
        """Send the recipient's due messages in order; stops at the first one that must wait."""
        sent = 0
        async with self._locks.setdefault(recipient, asyncio.Lock()):
            while True:
                message = await self._db(self.queue.claim_next, self.channel, recipient)
                if message is None:
                    return sent
                try:
                    outcome = await self.transport(message.body)
                except Exception as error:  # a bug or an unexpected answer: keep the message, retry later
                    logger.exception("%s message %s: transport error", self.channel, message.id)
                    outcome = Outcome(RETRY, f"{type(error).__name__}: {error}")
                if outcome.kind == SENT:
                    await self._db(self.queue.mark_sent, message.id)
                    sent += 1
                    continue
                logger.warning(
                    "%s message %s not sent (%s): %s", self.channel, message.id, outcome.kind, outcome.error
                )
                if outcome.kind == FAIL:
                    await self._db(self.queue.fail, message.id, outcome.error)
                    continue
                if outcome.kind == HOLD:
                    await self._db(self.queue.hold, message.id, outcome.error)
                    if self.on_hold is not None:
                        await self.on_hold(message)
                    continue
                if self.queue.clock() - message.created_at > GIVE_UP_AFTER:
                    await self._db(self.queue.fail, message.id, f"gave up after a day: {outcome.error}")
                    continue
                after = timedelta(seconds=outcome.retry_after) if outcome.retry_after is not None else None
                await self._db(self.queue.retry_later, message, outcome.error, after)
                return sent

    async def run(self) -> None:
        """Retry what is due, forever (a background task of the server process)."""
        while True:
            try:
                for recipient in await self._db(self.queue.recipients_due, self.channel):
                    await self.flush(recipient)
            except Exception:
                logger.exception("%s: sending round failed", self.channel)
            self.rounds += 1
            await asyncio.sleep(self.poll_seconds)

    def start(self) -> None:
        """Start the background retries once, in the running event loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
