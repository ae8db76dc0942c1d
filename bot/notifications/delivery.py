"""Deliver the outbox through Rasa's HTTP API (token-protected), retrying until Rasa takes each message.

Rasa is asked to run the external intent `EXTERNAL_dossier_update` in the citizen's conversation, on the
channel they used; the action `action_deliver_notification` says the outbox row's text there, tagged with its
id. The row is delivered once Rasa's answer shows the tagged message in the saved conversation (or once a
Telegram or Zalo output channel has queued it: bot/notifications/outbox.py). Each delivery is then
announced on the hub, so that the web widget's open event stream shows it at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import quote

from aiohttp import ClientError, ClientSession, ClientTimeout

from bot import faults
from bot.notifications.hub import DeliveryHub
from bot.notifications.outbox import Outbox, PendingNotification
from bot.notifications.replies import said_in

logger = logging.getLogger(__name__)

EXTERNAL_INTENT = "EXTERNAL_dossier_update"


class RasaDelivery:
    def __init__(
        self,
        outbox: Outbox,
        rasa_url: str,
        token: str,
        poll_seconds: float = 2.0,
        hub: DeliveryHub | None = None,
    ) -> None:
        self.outbox = outbox
        self.hub = hub or DeliveryHub()
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._rasa_down = False  # the last attempt could not reach Rasa at all
        # Rounds over the outbox completed by `run` (shown on /healthz): a test waits for a few more rounds
        # to pass after a delivery to see that nothing is sent twice, rather than for some seconds.
        self.rounds = 0
        self.failures = 0  # attempts that did not deliver (the monitoring's delivery failures)

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after an officer's action)."""
        self._wake.set()

    async def deliver_pending(self, client: ClientSession) -> int:
        """One round over the outbox; returns how many notifications were delivered."""
        loop = asyncio.get_running_loop()
        delivered = 0
        if self._rasa_down and await self._rasa_answers(client):
            # Rasa is back: what waited for it goes now, not after each message's growing retry delay.
            self._rasa_down = False
            await loop.run_in_executor(None, self.outbox.retry_all_now)
        for notification in await loop.run_in_executor(None, self.outbox.claim):
            error, events = await self._trigger(client, notification)
            if error is None:
                await loop.run_in_executor(None, faults.point, "delivery.after_trigger")
                if said_in(events, notification.id):  # Rasa saved it in the conversation (the widget's copy)
                    await loop.run_in_executor(
                        None, self.outbox.mark_delivered, notification.id, notification.sender_id
                    )
            if error is None and await loop.run_in_executor(None, self.outbox.is_delivered, notification.id):
                delivered += 1
                self.hub.publish(notification.channel, notification.sender_id, [notification.id])
                continue
            error = error or "Rasa answered, but the action did not deliver the message (action server down?)"
            self.failures += 1
            logger.warning("notification %s not delivered yet: %s", notification.id, error)
            await loop.run_in_executor(None, self.outbox.record_failure, notification.id, error)
        return delivered

    async def _trigger(
        self, client: ClientSession, notification: PendingNotification
    ) -> tuple[str | None, list[dict[str, Any]]]:
        """Run the update in the conversation: (None, the saved conversation's events) or (the error, [])."""
        url = f"{self.rasa_url}/conversations/{quote(notification.sender_id, safe='')}/trigger_intent"
        body = {"name": EXTERNAL_INTENT, "entities": {"notification_id": str(notification.id)}}
        params = {"output_channel": notification.channel, "token": self.token}
        try:
            async with client.post(url, json=body, params=params) as response:
                if response.status != 200:
                    return f"Rasa answered HTTP {response.status}: {(await response.text())[:200]}", []
                answer = await response.json(content_type=None)
        except (ClientError, asyncio.TimeoutError, OSError) as error:
            self._rasa_down = True
            return f"Rasa unreachable: {error!r}", []
        except ValueError:
            return "Rasa answered something that is not JSON", []
        tracker = answer.get("tracker") if isinstance(answer, dict) else None
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return None, [event for event in events or [] if isinstance(event, dict)]

    async def _rasa_answers(self, client: ClientSession) -> bool:
        try:
            async with client.get(f"{self.rasa_url}/status", params={"token": self.token}) as response:
                return response.status == 200  # the model is loaded: Rasa can take messages
        except (ClientError, asyncio.TimeoutError, OSError):
            return False

    async def run(self) -> None:
        """Deliver forever (a background task of the back-office); survives any error in a round."""
        async with ClientSession(timeout=ClientTimeout(total=15)) as client:
            while True:
                try:
                    await self.deliver_pending(client)
                except Exception:
                    logger.exception("notification delivery round failed")
                self.rounds += 1
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
                self._wake.clear()
