"""Small database records the channel connectors keep: which platform updates were processed, long button
payloads behind short tokens, and phone numbers a platform vouched for."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.db.models import ButtonPayload, ChannelUpdate, VerifiedContact
from bot.db.times import as_utc
from bot.otp.service import phone_hash

Clock = Callable[[], datetime]
UPDATE_ID_CHARS = ChannelUpdate.__table__.c.update_id.type.length  # 128
TOKEN_PREFIX = "~"  # a button token never looks like a payload ("/intent…") or like typed words


def _now() -> datetime:
    return datetime.now(timezone.utc)


class UpdateLog:
    """Each platform update is processed once: the platform retries an update it thinks we missed."""

    def __init__(self, session_factory: sessionmaker, clock: Clock = _now) -> None:
        self.session_factory = session_factory
        self.clock = clock

    def first_time(self, channel: str, update_id: str) -> bool:
        if (
            len(update_id) > UPDATE_ID_CHARS
        ):  # a platform's id longer than the column: its digest stands for it
            update_id = "sha256:" + hashlib.sha256(update_id.encode("utf-8", "surrogatepass")).hexdigest()
        try:
            with self.session_factory() as session, session.begin():
                session.add(ChannelUpdate(channel=channel, update_id=update_id, received_at=self.clock()))
        except IntegrityError:
            return False
        return True

    def last_received(self, channel: str) -> datetime | None:
        with self.session_factory() as session:
            latest = session.execute(
                select(func.max(ChannelUpdate.received_at)).where(ChannelUpdate.channel == channel)
            ).scalar()
            return as_utc(latest) if latest else None

    def forget_older_than(self, age: timedelta = timedelta(days=1)) -> int:
        with self.session_factory() as session, session.begin():
            cutoff = self.clock() - age
            return session.execute(delete(ChannelUpdate).where(ChannelUpdate.received_at < cutoff)).rowcount


class ButtonPayloads:
    """Payloads too long for a platform's button, stored under a short token derived from the payload (so
    the same button always gets the same token and the table does not grow with every message)."""

    def __init__(self, session_factory: sessionmaker, clock: Clock = _now) -> None:
        self.session_factory = session_factory
        self.clock = clock

    @staticmethod
    def token_for(payload: str) -> str:
        digest = hashlib.sha256(payload.encode("utf-8")).digest()[:15]
        return TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")

    def store(self, tokens: dict[str, str]) -> None:
        if not tokens:
            return
        with self.session_factory() as session, session.begin():
            known = set(
                session.execute(select(ButtonPayload.token).where(ButtonPayload.token.in_(tokens))).scalars()
            )
            for token, payload in tokens.items():
                if token not in known:
                    session.add(ButtonPayload(token=token, payload=payload, created_at=self.clock()))
            if known:  # shown again: kept another full period from now
                session.execute(
                    update(ButtonPayload)
                    .where(ButtonPayload.token.in_(known))
                    .values(created_at=self.clock())
                )

    def expand(self, data: str) -> str:
        """The payload behind a token, or `data` itself when it is not a token (or an unknown one)."""
        if not data.startswith(TOKEN_PREFIX):
            return data
        with self.session_factory() as session:
            row = session.get(ButtonPayload, data)
            return row.payload if row else data

    def forget_older_than(self, age: timedelta = timedelta(days=30)) -> int:
        with self.session_factory() as session, session.begin():
            cutoff = self.clock() - age
            return session.execute(delete(ButtonPayload).where(ButtonPayload.created_at < cutoff)).rowcount


class VerifiedContacts:
    """A phone number that a platform vouched for as the sender's own, as a keyed hash, for a while."""

    def __init__(self, session_factory: sessionmaker, validity: timedelta, clock: Clock = _now) -> None:
        self.session_factory = session_factory
        self.validity = validity
        self.clock = clock

    def record(self, channel: str, sender_id: str, phone_hash: str) -> None:
        with self.session_factory() as session, session.begin():
            session.merge(
                VerifiedContact(
                    channel=channel, sender_id=sender_id, phone_hash=phone_hash, verified_at=self.clock()
                )
            )

    def verified_phone_hash(self, channel: str, sender_id: str) -> str | None:
        with self.session_factory() as session:
            row = session.get(VerifiedContact, (channel, sender_id))
            if row is None or as_utc(row.verified_at) + self.validity < self.clock():
                return None
            return row.phone_hash

    def forget(self, channel: str, sender_id: str) -> int:
        """Forget the phone a platform vouched for in this conversation (the citizen erased their data)."""
        with self.session_factory() as session, session.begin():
            return session.execute(
                delete(VerifiedContact).where(
                    VerifiedContact.channel == channel, VerifiedContact.sender_id == sender_id
                )
            ).rowcount


def shared_phone_hash(secret: bytes, raw: str) -> str | None:
    """The keyed hash of a phone number a platform handed over ("84912345678", "+84…", "0912…"), or None
    when it is not a Vietnamese mobile number (then the SMS code path stays open)."""
    digits = raw.strip()
    try:
        return phone_hash(secret, digits if digits.startswith(("+", "0")) else f"+{digits}")
    except ValueError:
        return None
