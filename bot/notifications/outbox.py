"""The notification outbox: rows written with each status change, delivered in order, each exactly once.

Exactly once: Rasa's action claims a row (`claim`) before it utters the text, and a row can be claimed
only once: a retried delivery (the back-office never heard Rasa's answer) utters nothing the second time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.db.models import Dossier, Notification
from bot.db.times import as_utc

MAX_BACKOFF_SECONDS = 300


def notification_for(dossier: Dossier, text: str, now: datetime) -> Notification:
    """A message to the conversation that filed `dossier`, due now (added in the caller's transaction)."""
    return Notification(
        dossier_id=dossier.id,
        channel=dossier.channel,
        sender_id=dossier.sender_id,
        text=text,
        created_at=now,
        next_attempt_at=now,
        attempts=0,
        last_error="",
    )


@dataclass(frozen=True)
class PendingNotification:
    id: int
    channel: str
    sender_id: str
    attempts: int


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 … seconds after each failed attempt, at most 5 minutes."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(1, attempts)))


class Outbox:
    def __init__(
        self,
        session_factory: sessionmaker,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock

    def pending(self, limit: int = 50) -> list[PendingNotification]:
        """Undelivered notifications, oldest first. A conversation whose oldest undelivered notification
        is still waiting for its retry time is skipped entirely, so its messages never overtake each other."""
        now = self.clock()
        with self.session_factory() as session:
            rows = session.execute(
                select(Notification).where(Notification.delivered_at.is_(None)).order_by(Notification.id)
            ).scalars()
            ready, blocked = [], set()
            for row in rows:
                conversation = (row.channel, row.sender_id)
                if conversation in blocked:
                    continue
                blocked.add(conversation)  # only the oldest one per conversation in each round
                if as_utc(row.next_attempt_at) <= now:
                    ready.append(PendingNotification(row.id, row.channel, row.sender_id, row.attempts))
                if len(ready) >= limit:
                    break
            return ready

    def record_failure(self, notification_id: int, error: str) -> None:
        with self.session_factory() as session, session.begin():
            row = session.get(Notification, notification_id)
            if row is None or row.delivered_at is not None:
                return
            row.attempts += 1
            row.last_error = error[:500]
            row.next_attempt_at = self.clock() + backoff(row.attempts)

    def retry_all_now(self) -> int:
        """Every undelivered notification is due again (Rasa, which they waited for, is back)."""
        with self.session_factory() as session, session.begin():
            return session.execute(
                update(Notification)
                .where(Notification.delivered_at.is_(None))
                .values(next_attempt_at=self.clock())
                .execution_options(synchronize_session=False)
            ).rowcount

    def claim(self, notification_id: int, sender_id: str) -> str | None:
        """Mark the notification delivered and return its text, or None when it was already delivered
        (or belongs to another conversation)."""
        with self.session_factory() as session, session.begin():
            claimed = session.execute(
                update(Notification)
                .where(
                    Notification.id == notification_id,
                    Notification.sender_id == sender_id,
                    Notification.delivered_at.is_(None),
                )
                .values(delivered_at=self.clock(), attempts=Notification.attempts + 1)
            ).rowcount
            if claimed != 1:
                return None
            return session.get(Notification, notification_id).text

    def is_delivered(self, notification_id: int) -> bool:
        with self.session_factory() as session:
            row = session.get(Notification, notification_id)
            return row is not None and row.delivered_at is not None

    def delivered_to(self, channel: str, sender_id: str, after_id: int = 0) -> list[tuple[int, str]]:
        """Delivered notifications of one conversation (the web widget fetches those it has not shown)."""
        with self.session_factory() as session:
            rows = session.execute(
                select(Notification.id, Notification.text)
                .where(
                    Notification.channel == channel,
                    Notification.sender_id == sender_id,
                    Notification.delivered_at.is_not(None),
                    Notification.id > after_id,
                )
                .order_by(Notification.id)
            ).all()
            return [(row.id, row.text) for row in rows]
