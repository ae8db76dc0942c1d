"""What is kept about one citizen: subject_access.py builds it, messages.py tells it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Conversation:
    channel: str
    sender_id: str


@dataclass(frozen=True)
class HeldDossier:
    code: str
    procedure_name: str
    status: str
    status_label: str
    received_at: datetime
    closed_at: datetime | None  # when the result was returned; None while it is processed
    kept_until: datetime | None  # closed_at + the retention period
    erased_at: datetime | None  # when its personal fields were anonymised

    @property
    def pending(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class HeldConversation:
    channel: str
    sender_id: str
    first_at: datetime
    last_at: datetime
    messages: int
    anonymised: bool
    anonymised_after: datetime  # when it will be anonymised if nobody writes in it again


@dataclass(frozen=True)
class SubjectData:
    """What is kept about one citizen, and for how long."""

    dossiers: tuple[HeldDossier, ...]
    conversations: tuple[HeldConversation, ...]
    phone_verified: bool
    chat_retention_days: int
    dossier_retention_years: int


@dataclass(frozen=True)
class Erasure:
    conversations: int  # conversations whose texts and slot values were just anonymised
    pending: tuple[HeldDossier, ...]  # kept: the legal record of a procedure being processed
    closed: tuple[HeldDossier, ...]  # kept until the end of the retention period
    erased: tuple[HeldDossier, ...]  # already anonymised by the retention job
