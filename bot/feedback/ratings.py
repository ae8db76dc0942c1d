"""Citizens' ratings: what a rating button carries, recording it (once per conversation and subject: rating
again changes it), the comment that may follow, and the negative ones officers read.

A rating button's payload is `/rate{"feedback":"<subject>|<reference>|<choice>"}`: the subject (an answer, a
dossier, a live chat), what it refers to (procedure code, dossier code, handover request id), and good, bad,
comment (add a comment to a rating given before) or skip (no comment)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.db.times import as_utc
from bot.feedback import messages
from bot.feedback.models import ANSWER, BAD, GOOD, RATINGS, SUBJECTS, Feedback
from bot.replies import Button, Reply, intent_payload

COMMENT, SKIP = "comment", "skip"
CHOICES = (*RATINGS, COMMENT, SKIP)
MAX_COMMENT = 2000
MAX_REFERENCE = 64


@dataclass(frozen=True)
class Choice:
    subject: str
    reference: str
    choice: str  # good | bad | comment | skip

    @classmethod
    def parse(cls, value: object) -> Choice | None:
        parts = str(value or "").split("|")
        if len(parts) != 3:
            return None
        subject, reference, choice = (part.strip() for part in parts)
        if subject not in SUBJECTS or choice not in CHOICES or not 0 < len(reference) <= MAX_REFERENCE:
            return None
        return cls(subject, reference, choice)

    def payload(self) -> str:
        return intent_payload("rate", feedback=f"{self.subject}|{self.reference}|{self.choice}")


def rating_buttons(subject: str, reference: str) -> tuple[Button, ...]:
    good, bad = (
        (messages.GOOD_ANSWER_BUTTON, messages.BAD_ANSWER_BUTTON)
        if subject == ANSWER
        else (messages.GOOD_SERVICE_BUTTON, messages.BAD_SERVICE_BUTTON)
    )
    return (
        Button(good, Choice(subject, reference, GOOD).payload()),
        Button(bad, Choice(subject, reference, BAD).payload()),
    )


def ask_about_answer(procedure_code: str) -> Reply:
    return Reply(messages.ASK_ABOUT_ANSWER, rating_buttons(ANSWER, procedure_code))


def thanks(choice: Choice) -> Reply:
    return Reply(messages.THANKS, (Button(messages.MORE_BUTTON, _with(choice, COMMENT).payload()),))


def ask_comment(choice: Choice, sorry: bool) -> Reply:
    text = messages.SORRY_ASK_WHY if sorry else messages.ASK_COMMENT
    return Reply(text, (Button(messages.SKIP_BUTTON, _with(choice, SKIP).payload()),))


def _with(choice: Choice, value: str) -> Choice:
    return Choice(choice.subject, choice.reference, value)


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    channel: str
    sender_id: str
    subject: str
    reference: str
    rating: str
    comment: str
    created_at: datetime
    updated_at: datetime


def _entry(row: Feedback) -> FeedbackEntry:
    return FeedbackEntry(
        row.id,
        row.channel,
        row.sender_id,
        row.subject,
        row.reference,
        row.rating,
        row.comment,
        as_utc(row.created_at),
        as_utc(row.updated_at),
    )


class FeedbackBook:
    def __init__(
        self, sessions: sessionmaker, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    ) -> None:
        self.sessions = sessions
        self.clock = clock

    def _find(self, session, channel: str, sender_id: str, subject: str, reference: str) -> Feedback | None:
        return session.execute(
            select(Feedback).where(
                Feedback.channel == channel,
                Feedback.sender_id == sender_id,
                Feedback.subject == subject,
                Feedback.reference == reference,
            )
        ).scalar_one_or_none()

    def rate(self, channel: str, sender_id: str, subject: str, reference: str, rating: str) -> int:
        """Record (or change) the conversation's rating of one subject; the row's id."""
        if subject not in SUBJECTS or rating not in RATINGS:
            raise ValueError(f"not a rating: {subject!r} {rating!r}")
        for _ in range(2):  # two presses at once: the loser of the unique index updates the winner's row
            now = self.clock()
            try:
                with self.sessions.begin() as session:
                    row = self._find(session, channel, sender_id, subject, reference)
                    if row is None:
                        row = Feedback(
                            channel=channel,
                            sender_id=sender_id,
                            subject=subject,
                            reference=reference[:MAX_REFERENCE],
                            rating=rating,
                            comment="",
                            created_at=now,
                            updated_at=now,
                        )
                        session.add(row)
                    else:
                        row.rating, row.updated_at = rating, now
                    session.flush()
                    return row.id
            except IntegrityError:
                continue
        raise RuntimeError("the rating could not be recorded")

    def find(self, channel: str, sender_id: str, subject: str, reference: str) -> FeedbackEntry | None:
        with self.sessions() as session:
            row = self._find(session, channel, sender_id, subject, reference)
            return _entry(row) if row else None

    def comment(self, feedback_id: int, channel: str, sender_id: str, text: str) -> bool:
        """The conversation's comment on its rating (replaces an earlier one); False if not its rating."""
        text = " ".join(text.split())[:MAX_COMMENT]
        if not text:
            return False
        with self.sessions.begin() as session:
            row = session.get(Feedback, feedback_id)
            if row is None or row.channel != channel or row.sender_id != sender_id:
                return False
            row.comment, row.updated_at = text, self.clock()
            return True

    def get(self, feedback_id: int) -> FeedbackEntry | None:
        with self.sessions() as session:
            row = session.get(Feedback, feedback_id)
            return _entry(row) if row else None

    def negative(self, since: datetime | None = None, limit: int = 200) -> list[FeedbackEntry]:
        """The "chưa hài lòng" ratings, newest first."""
        query = select(Feedback).where(Feedback.rating == BAD)
        if since is not None:
            query = query.where(Feedback.updated_at >= since)
        with self.sessions() as session:
            rows = session.execute(query.order_by(Feedback.updated_at.desc()).limit(limit)).scalars()
            return [_entry(row) for row in rows]


__all__ = ["BAD", "GOOD", "Choice", "FeedbackBook", "FeedbackEntry", "rating_buttons"]
