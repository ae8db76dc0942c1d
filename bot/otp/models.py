"""The OTP codes sent to verify a citizen's phone; only keyed hashes are stored, never the number or the code.

Its own module on the shared `Base` so that bot.db.models does not import bot.otp (migrations/env.py imports
this module so that autogenerate sees the table).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String

from bot.db.models import Base, utc_now


class OtpCode(Base):
    __tablename__ = "otp_codes"

    id = Column(Integer, primary_key=True)
    phone_hash = Column(String(64), nullable=False, index=True)  # HMAC-SHA256("phone:" + phone), hex
    code_hash = Column(String(64), nullable=False)  # HMAC-SHA256(phone + ":" + code), hex
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)  # wrong tries on this code
    consumed_at = Column(DateTime(timezone=True))  # used, or void because its SMS could not be sent
    # HMAC of the conversation ("channel:sender") that asked for it: bounds the codes one conversation may
    # have sent to many different phones (each SMS costs the commune money). NULL for older codes.
    requester_hash = Column(String(64), index=True)
