"""The durable queue of messages to chat platforms: written before sending, sent in order per recipient.

A platform outage or a flood limit delays messages instead of losing them; a message the platform refuses
until the citizen writes again (Zalo's window) is held and released by their next message. Several
processes may send from the same queue: a message is leased before it is sent, so only one sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import sessionmaker

from bot.db.models import ChannelMessage
from bot.db.times import as_utc
from bot.notifications.outbox import take

PENDING = "pending"
SENT = "sent"
HELD = "held"  # refused until the citizen writes again
FAILED = "failed"  # refused for good (the citizen blocked the bot, a malformed message)
MAX_BACKOFF_SECONDS = 300


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    channel: str
    recipient: str
    body: dict[str, Any]
    dossier_code: str
    attempts: int
    created_at: datetime


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … seconds after each failed attempt, at most 5 minutes."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(0, attempts - 1)))


class ChannelQueue:
    def __init__(
        self,
        session_factory: sessionmaker,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.lease = lease

    def enqueue(
        self,
        channel: str,
        recipient: str,
        bodies: list[dict[str, Any]],
        dossier_code: str = "",
        notification_id: int | None = None,
    ) -> bool:
        """Queue the messages; for a dossier update (`notification_id`, an outbox row) in the transaction that
        marks the row delivered, and only if nobody did: False when it was delivered already."""
        now = self.clock()
        with self.session_factory() as session, session.begin():
            if notification_id is not None and not take(session, notification_id, now, recipient):
                return False
            for body in bodies:
                session.add(
                    ChannelMessage(
                        channel=channel,
                        recipient=recipient,
                        body=body,
                        dossier_code=dossier_code,
                        status=PENDING,
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                        last_error="",
                    )
                )
        return True

    def claim_next(self, channel: str, recipient: str) -> QueuedMessage | None:
        """Lease the recipient's oldest pending message if it is due and nobody else holds it; else None
        (a message waiting for its retry blocks the later ones, so they never overtake it)."""
        now = self.clock()
        with self.session_factory() as session, session.begin():
            row = session.execute(
                select(ChannelMessage)
                .where(
                    ChannelMessage.channel == channel,
                    ChannelMessage.recipient == recipient,
                    ChannelMessage.status == PENDING,
                )
                .order_by(ChannelMessage.id)
                .limit(1)
            ).scalar_one_or_none()
            if row is None or as_utc(row.next_attempt_at) > now:
                return None
            leased = session.execute(
                update(ChannelMessage)
                .where(
                    ChannelMessage.id == row.id,
                    ChannelMessage.status == PENDING,
                    or_(ChannelMessage.locked_until.is_(None), ChannelMessage.locked_until < now),
                )
                .values(locked_until=now + self.lease, attempts=ChannelMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if leased != 1:
                return None
            body, created = dict(row.body), as_utc(row.created_at)
            return QueuedMessage(
                row.id, channel, recipient, body, row.dossier_code, row.attempts + 1, created
            )

    def recipients_due(self, channel: str, limit: int = 200) -> list[str]:
        now = self.clock()
        with self.session_factory() as session:
            rows = session.execute(
                select(ChannelMessage.recipient, ChannelMessage.next_attempt_at)
                .where(ChannelMessage.channel == channel, ChannelMessage.status == PENDING)
                .order_by(ChannelMessage.id)
            ).all()
        due: dict[str, None] = {}
        for recipient, next_attempt in rows:
            if as_utc(next_attempt) <= now:
                due.setdefault(recipient, None)
            if len(due) >= limit:
                break
        return list(due)

    def _finish(self, message_id: int, **values: Any) -> None:
        with self.session_factory() as session, session.begin():
            session.execute(
                update(ChannelMessage)
                .where(ChannelMessage.id == message_id)
                .values(locked_until=None, **values)
                .execution_options(synchronize_session=False)
            )

    def mark_sent(self, message_id: int) -> None:
        self._finish(message_id, status=SENT, sent_at=self.clock(), last_error="")

    def retry_later(self, message: QueuedMessage, error: str, after: timedelta | None = None) -> None:
        delay = after if after is not None else backoff(message.attempts)
        self._finish(message.id, next_attempt_at=self.clock() + delay, last_error=error[:500])

    def fail(self, message_id: int, error: str) -> None:
        self._finish(message_id, status=FAILED, last_error=error[:500])

    def hold(self, message_id: int, error: str) -> None:
        self._finish(message_id, status=HELD, last_error=error[:500])

    def release_held(self, channel: str, recipient: str) -> int:
        """The citizen wrote again: their held messages go out first, in their original order."""
        with self.session_factory() as session, session.begin():
            return session.execute(
                update(ChannelMessage)
                .where(
                    ChannelMessage.channel == channel,
                    ChannelMessage.recipient == recipient,
                    ChannelMessage.status == HELD,
                )
                .values(status=PENDING, next_attempt_at=self.clock())
                .execution_options(synchronize_session=False)
            ).rowcount

    def statistics(self, channel: str) -> dict[str, int]:
        """How many messages are in each state, and the age in seconds of the oldest unsent one (/healthz)."""
        with self.session_factory() as session:
            rows = session.execute(
                select(ChannelMessage.status, func.count())
                .where(ChannelMessage.channel == channel)
                .group_by(ChannelMessage.status)
            ).all()
            oldest = session.execute(
                select(func.min(ChannelMessage.created_at)).where(
                    ChannelMessage.channel == channel, ChannelMessage.status == PENDING
                )
            ).scalar()
        age = int((self.clock() - as_utc(oldest)).total_seconds()) if oldest else 0
        return {PENDING: 0, SENT: 0, HELD: 0, FAILED: 0, **dict(rows), "oldest_pending_seconds": age}

    def forget_sent_older_than(self, age: timedelta = timedelta(days=7)) -> int:
        with self.session_factory() as session, session.begin():
            cutoff = self.clock() - age
            return session.execute(
                delete(ChannelMessage).where(ChannelMessage.status == SENT, ChannelMessage.sent_at < cutoff)
            ).rowcount
