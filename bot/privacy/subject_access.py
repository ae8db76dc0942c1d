"""The citizen's rights over their data (Decree 13/2023/NĐ-CP): see what is kept, erase what may be erased.

A citizen is known by the conversation they write from and, once verified by OTP, by the keyed hash of their
phone (the `phone_hash` dossiers and verified contacts store). What belongs to them: the dossiers filed from
this conversation or declaring that phone, and the conversations those dossiers were filed from, besides the
current one.

`erase` anonymises the conversations at once (messages, slot values, the phone a platform vouched for, the
questions kept to improve the search). Dossiers stay: one being processed is the legal record of a pending
administrative procedure, and a closed one is kept for the archive period, after which the retention job
anonymises its personal fields (bot/privacy/retention.py). The sentences are in bot/privacy/messages.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import sessionmaker

from bot.catalog.misses import MissLog
from bot.channels.records import VerifiedContacts
from bot.db.models import Dossier
from bot.db.times import as_utc, optional_utc
from bot.privacy import messages
from bot.privacy.conversations import ConversationStore
from bot.privacy.held_data import Conversation, Erasure, HeldConversation, HeldDossier, SubjectData
from bot.privacy.retention import CLOSED, closed_times, years_after
from bot.settings import PrivacySettings
from bot.workflow.states import STATUS_LABELS


class SubjectAccess:
    def __init__(
        self,
        sessions: sessionmaker,
        conversations: ConversationStore,
        settings: PrivacySettings,
        verified_contacts: VerifiedContacts | None = None,
        misses: MissLog | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.sessions = sessions
        self.conversations = conversations
        self.settings = settings
        self.verified_contacts = verified_contacts
        self.misses = misses
        self.clock = clock

    def describe(self, phone_hash: str | None, channel: str, sender_id: str) -> SubjectData:
        """What is kept about the citizen writing from (channel, sender_id), verified as `phone_hash` or
        not (None)."""
        dossiers, chats = self._holdings(phone_hash, channel, sender_id)
        kept = {
            summary.sender_id: summary for summary in self.conversations.summaries(c.sender_id for c in chats)
        }
        days = timedelta(days=self.settings.chat_retention_days)
        held = tuple(
            HeldConversation(
                channel=chat.channel,
                sender_id=chat.sender_id,
                first_at=summary.first_at,
                last_at=summary.last_at,
                messages=summary.messages,
                anonymised=summary.anonymised,
                anonymised_after=summary.last_at + days,
            )
            for chat in chats
            if (summary := kept.get(chat.sender_id)) is not None
        )
        return SubjectData(
            dossiers=dossiers,
            conversations=held,
            phone_verified=bool(phone_hash),
            chat_retention_days=self.settings.chat_retention_days,
            dossier_retention_years=self.settings.dossier_retention_years,
        )

    def describe_text(self, phone_hash: str | None, channel: str, sender_id: str) -> str:
        """`describe`, told to the citizen."""
        return messages.describe(self.describe(phone_hash, channel, sender_id))

    def erase_text(self, phone_hash: str | None, channel: str, sender_id: str) -> str:
        """`erase`, and what it did told to the citizen."""
        return messages.erasure(self.erase(phone_hash, channel, sender_id))

    def erase(self, phone_hash: str | None, channel: str, sender_id: str) -> Erasure:
        """Anonymise the citizen's conversations now; say why each dossier is kept, and until when."""
        dossiers, chats = self._holdings(phone_hash, channel, sender_id)
        done = self.conversations.anonymise(chat.sender_id for chat in chats)
        for chat in chats:
            if self.verified_contacts is not None:
                self.verified_contacts.forget(chat.channel, chat.sender_id)
            if self.misses is not None:
                self.misses.forget_sender(chat.channel, chat.sender_id)
        return Erasure(
            conversations=done.conversations,
            pending=tuple(dossier for dossier in dossiers if dossier.pending),
            closed=tuple(d for d in dossiers if not d.pending and d.erased_at is None),
            erased=tuple(d for d in dossiers if d.erased_at is not None),
        )

    def _held(self, dossier: Dossier, closed_at: datetime | None) -> HeldDossier:
        if dossier.status in CLOSED and closed_at is None:  # closed without a timeline event (imported)
            closed_at = as_utc(dossier.updated_at)
        return HeldDossier(
            code=dossier.code,
            procedure_name=dossier.procedure_name,
            status=dossier.status,
            status_label=STATUS_LABELS.get(dossier.status, dossier.status),
            received_at=as_utc(dossier.received_at),
            closed_at=closed_at,
            kept_until=years_after(closed_at, self.settings.dossier_retention_years) if closed_at else None,
            erased_at=optional_utc(dossier.personal_data_erased_at),
        )

    def _holdings(
        self, phone_hash: str | None, channel: str, sender_id: str
    ) -> tuple[tuple[HeldDossier, ...], tuple[Conversation, ...]]:
        """The citizen's dossiers, newest first, and their conversations (the current one first)."""
        mine = and_(Dossier.sender_id == sender_id, Dossier.channel == channel)
        owned = or_(mine, Dossier.phone_hash == phone_hash) if phone_hash else mine
        with self.sessions() as session:
            rows = session.execute(
                select(Dossier).where(owned).order_by(Dossier.received_at.desc())
            ).scalars()
            found = list(rows)
            closed = closed_times(session, [dossier.id for dossier in found])
        dossiers = tuple(self._held(dossier, closed.get(dossier.id)) for dossier in found)
        chats = [Conversation(channel, sender_id)]
        for dossier in found:
            chat = Conversation(dossier.channel, dossier.sender_id)
            if dossier.sender_id and chat not in chats:  # "" once the retention job anonymised it
                chats.append(chat)
        return dossiers, tuple(chats)
