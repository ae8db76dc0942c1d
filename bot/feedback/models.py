"""The feedback table: a citizen's rating of an answer, a finished dossier or a live chat, and their comment.

Its own module on the shared `Base`, as bot/handover/models.py (migrations/env.py imports it)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Text

from bot.db.models import Base, utc_now

ANSWER, DOSSIER, LIVE_CHAT = "answer", "dossier", "handover"  # what was rated
SUBJECTS = (ANSWER, DOSSIER, LIVE_CHAT)
GOOD, BAD = "good", "bad"
RATINGS = (GOOD, BAD)


class Feedback(Base):
    __tablename__ = "feedback"

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(128), nullable=False)
    subject = Column(String(16), nullable=False)
    reference = Column(String(64), nullable=False)  # procedure code, dossier code or handover request id
    rating = Column(String(8), nullable=False, index=True)
    comment = Column(Text, nullable=False, default="")  # personal data: masked unless the role may see it
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)

    __table_args__ = (
        # Rating the same thing again changes the rating: one row per conversation and subject.
        Index("uq_feedback_subject", "channel", "sender_id", "subject", "reference", unique=True),
    )
