"""In-process publish/subscribe of deliveries: the delivery loop announces each notification Rasa took, and
whoever streams a conversation's updates (the widget's event stream) is woken at once to read them.

Only a wake-up: the database stays the truth (and other processes' deliveries are found by re-reading it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

Conversation = tuple[str, str]  # (channel, sender id)


class Subscription:
    def __init__(self) -> None:
        self.latest = 0  # the highest notification id announced so far
        self.closed = False
        self._event = asyncio.Event()

    def _notify(self, notification_id: int) -> None:
        self.latest = max(self.latest, notification_id)
        self._event.set()

    def _close(self) -> None:
        self.closed = True
        self._event.set()

    async def wait(self, timeout: float) -> bool:
        """Whether something was announced (or the hub closed) since the last wait; waits at most timeout."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._event.wait(), max(0.0, timeout))
        woken = self._event.is_set()
        self._event.clear()
        return woken


class DeliveryHub:
    def __init__(self) -> None:
        self._subscriptions: dict[Conversation, set[Subscription]] = {}
        self.closed = False

    def publish(self, channel: str, sender_id: str, notification_ids: list[int]) -> None:
        """These notifications were delivered to the conversation."""
        for subscription in self._subscriptions.get((channel, sender_id), ()):
            for notification_id in notification_ids:
                subscription._notify(notification_id)

    def subscribers(self, channel: str, sender_id: str) -> int:
        return len(self._subscriptions.get((channel, sender_id), ()))

    @contextlib.contextmanager
    def subscribe(self, channel: str, sender_id: str) -> Iterator[Subscription]:
        conversation, subscription = (channel, sender_id), Subscription()
        if self.closed:
            subscription._close()
        self._subscriptions.setdefault(conversation, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscriptions[conversation]
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscriptions[conversation]

    def close(self) -> None:
        """The process is stopping: every subscription ends."""
        self.closed = True
        for subscribers in self._subscriptions.values():
            for subscription in subscribers:
                subscription._close()
