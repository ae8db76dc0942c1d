"""The handover tables: a conversation waiting for (or held by) an officer, and what was said in it.

Its own module on the shared `Base`, as bot/otp/models.py (migrations/env.py imports it for autogenerate)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import relationship

from bot.db.models import Base, utc_now

WAITING, ACTIVE, CLOSED = "waiting", "active", "closed"
OPEN_STATUSES = (WAITING, ACTIVE)
LIVE, CALLBACK = "live", "callback"  # chat now; or a message and a number to call back in office hours


class HandoverRequest(Base):
    __tablename__ = "handover_requests"

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(128), nullable=False)
    kind = Column(String(16), nullable=False, default=LIVE)
    reason = Column(String(32), nullable=False)  # asked | fallbacks | button
    department_code = Column(String(32), index=True)  # the department that fits; None: the one-stop desk
    topic = Column(Text, nullable=False, default="")  # the procedure under discussion, as the citizen saw it
    callback_phone = Column(String(32))  # personal data: masked unless the officer's role may see it
    status = Column(String(16), nullable=False, default=WAITING, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    claimed_at = Column(DateTime(timezone=True))
    officer_id = Column(Integer, ForeignKey("officers.id"))
    closed_at = Column(DateTime(timezone=True))
    summary = Column(Text, nullable=False, default="")

    officer = relationship("Officer")
    messages = relationship("HandoverMessage", order_by="HandoverMessage.id", back_populates="request")

    __table_args__ = (
        # One open request per conversation, whichever process or button asked for it.
        Index(
            "uq_handover_open_conversation",
            "channel",
            "sender_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'active')"),
            postgresql_where=text("status IN ('waiting', 'active')"),
        ),
    )


class HandoverMessage(Base):
    __tablename__ = "handover_messages"

    id = Column(Integer, primary_key=True)
    request_id = Column(Integer, ForeignKey("handover_requests.id"), nullable=False, index=True)
    author = Column(String(16), nullable=False)  # citizen | officer
    officer_id = Column(Integer, ForeignKey("officers.id"))
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)

    request = relationship("HandoverRequest", back_populates="messages")
