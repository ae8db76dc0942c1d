"""The notification outbox: rows written with each status change, delivered in order, each exactly once.

Exactly once, whichever process dies when: a row is marked delivered only where the citizen's copy is durably
kept. Rasa's action reads an undelivered row's text and utters it, tagged with the row's id, unless the
conversation already holds that tag (a retry after the back-office lost Rasa's answer). A Telegram or Zalo
message is queued in the same transaction that marks the row (`take`), so a second utterance queues
nothing; for the web widget the back-office marks the row once Rasa's answer shows the tagged utterance
in the saved conversation. A crash before either point leaves the row undelivered: it is tried again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Dossier, Notification
from bot.db.session import begin_write
from bot.db.times import as_utc

MAX_BACKOFF_SECONDS = 300
# How long a back-office process holds the notifications it claimed: longer than a delivery takes (Rasa is
# given 15 s); one that dies holding a claim has its notifications delivered by another after this.
CLAIM_LEASE = timedelta(seconds=60)


class OutboxMessage(NamedTuple):
    id: int
    text: str
    rate: str  # what the citizen may rate under it (bot/feedback), or ""


def notification_for(dossier: Dossier, text: str, now: datetime, rate: str = "") -> Notification:
    """A message to the conversation that filed `dossier`, due now (added in the caller's transaction)."""
    return message_to(dossier.channel, dossier.sender_id, text, now, dossier_id=dossier.id, rate=rate)


def message_to(
    channel: str,
    sender_id: str,
    text: str,
    now: datetime,
    dossier_id: int | None = None,
    rate: str = "",
) -> Notification:
    """A message to a conversation (an officer's in a live chat has no dossier), due now."""
    return Notification(
        dossier_id=dossier_id,
        channel=channel,
        sender_id=sender_id,
        text=text,
        rate=rate,
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


def take(session: Session, notification_id: int, now: datetime, sender_id: str | None = None) -> bool:
    """Mark the notification delivered in the caller's transaction, if nobody did: whoever gets True keeps
    the only copy (e.g. queues the platform message in the same transaction)."""
    conditions = [Notification.id == notification_id, Notification.delivered_at.is_(None)]
    if sender_id is not None:
        conditions.append(Notification.sender_id == sender_id)
    taken = session.execute(
        update(Notification)
        .where(*conditions)
        .values(delivered_at=now, attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return taken == 1


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

    def claim(self, limit: int = 50, lease: timedelta = CLAIM_LEASE) -> list[PendingNotification]:
        """The notifications this process delivers now: those `pending` gives, each claimed by moving its
        retry time past the lease, so that no other back-office process delivers it meanwhile.

        PostgreSQL: the rows are locked FOR UPDATE SKIP LOCKED (another process's claim in progress is
        skipped, not waited for); SQLite: the claim is one write transaction (BEGIN IMMEDIATE), so two claims
        run one after the other. Either way the conditions are checked again under the lock."""
        candidates = [notification.id for notification in self.pending(limit)]
        if not candidates:
            return []
        now = self.clock()
        with self.session_factory() as session, session.begin():
            begin_write(session)
            rows = (
                session.execute(
                    select(Notification)
                    .where(
                        Notification.id.in_(candidates),
                        Notification.delivered_at.is_(None),
                        Notification.next_attempt_at <= now,
                    )
                    .order_by(Notification.id)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            for row in rows:
                row.next_attempt_at = now + lease
            return [PendingNotification(row.id, row.channel, row.sender_id, row.attempts) for row in rows]

    def waiting(self) -> int:
        """How many notifications no conversation has received yet (due now or waiting for a retry)."""
        with self.session_factory() as session:
            return session.execute(
                select(func.count()).select_from(Notification).where(Notification.delivered_at.is_(None))
            ).scalar_one()

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

    def undelivered(self, notification_id: int, sender_id: str) -> OutboxMessage | None:
        """The message to utter, or None when the notification was delivered already (or belongs to another
        conversation). Reading marks nothing: a crash before the text is kept somewhere loses nothing."""
        with self.session_factory() as session:
            row = session.get(Notification, notification_id)
            if row is None or row.sender_id != sender_id or row.delivered_at is not None:
                return None
            return OutboxMessage(row.id, row.text, row.rate or "")

    def undelivered_text(self, notification_id: int, sender_id: str) -> str | None:
        message = self.undelivered(notification_id, sender_id)
        return message.text if message else None

    def mark_delivered(self, notification_id: int, sender_id: str) -> bool:
        """The citizen's conversation holds the notification now; False when it was marked already."""
        with self.session_factory() as session, session.begin():
            return take(session, notification_id, self.clock(), sender_id)

    def is_delivered(self, notification_id: int) -> bool:
        with self.session_factory() as session:
            row = session.get(Notification, notification_id)
            return row is not None and row.delivered_at is not None

    def delivered_to(self, channel: str, sender_id: str, after_id: int = 0) -> list[OutboxMessage]:
        """Delivered notifications of one conversation (the web widget fetches those it has not shown)."""
        with self.session_factory() as session:
            rows = session.execute(
                select(Notification.id, Notification.text, Notification.rate)
                .where(
                    Notification.channel == channel,
                    Notification.sender_id == sender_id,
                    Notification.delivered_at.is_not(None),
                    Notification.id > after_id,
                )
                .order_by(Notification.id)
            ).all()
            return [OutboxMessage(row.id, row.text, row.rate or "") for row in rows]
