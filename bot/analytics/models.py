"""Citizen wordings learned from the analytics page: an unanswered question, proposed as a wording of a
procedure by one officer and approved by another, joins the search's situation data (no retrain)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text

from bot.db.models import Base, utc_now

PROPOSED, APPROVED, REJECTED = "proposed", "approved", "rejected"


class CitizenWording(Base):
    __tablename__ = "citizen_wordings"

    id = Column(Integer, primary_key=True)
    wording = Column(Text, nullable=False)  # masked, as the question was kept
    procedure_code = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False, default=PROPOSED, index=True)
    proposed_by = Column(Integer, ForeignKey("officers.id"), nullable=False)
    proposed_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    reviewed_by = Column(Integer, ForeignKey("officers.id"))
    reviewed_at = Column(DateTime(timezone=True))
