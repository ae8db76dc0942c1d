"""Back-office tables: the commune's departments and officers, and the dossiers citizens submit.

SQLAlchemy 1.4 (pinned by Rasa), declarative classes, queried with the 2.0-style `select()` API.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


Base = declarative_base()


class Department(Base):
    """A unit of the commune: the one-stop desk (Bộ phận Một cửa) or a specialist department."""

    __tablename__ = "departments"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), unique=True, nullable=False)
    name = Column(String(200), nullable=False)

    officers = relationship("Officer", back_populates="department")


class Officer(Base):
    __tablename__ = "officers"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), unique=True, nullable=False)
    full_name = Column(String(200), nullable=False)
    title = Column(String(200), nullable=False, default="")
    role = Column(String(32), nullable=False)  # desk | specialist | leader | admin
    department_id = Column(Integer, ForeignKey("departments.id"))
    password_hash = Column(String(255), nullable=False)
    is_active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    failed_logins = Column(Integer, nullable=False, default=0)  # consecutive failures since the last success
    locked_until = Column(DateTime(timezone=True))
    # Set when someone else chose the password (demo seed, an admin creating the account or resetting it):
    # until the officer picks their own, only the password change is open to them.
    must_change_password = Column(Boolean, nullable=False, default=False)

    department = relationship("Department", back_populates="officers")


class Dossier(Base):
    """A dossier (hồ sơ) created by the bot; its code is {agency}-{yymmdd}-{sequence}."""

    __tablename__ = "dossiers"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), unique=True, nullable=False)
    idempotency_key = Column(String(128), unique=True, nullable=False)
    procedure_code = Column(String(32), nullable=False, index=True)
    procedure_name = Column(Text, nullable=False)
    status = Column(String(32), nullable=False, index=True)
    channel = Column(String(32), nullable=False)  # rest, socketio, telegram, zalo
    sender_id = Column(String(128), nullable=False, index=True)
    applicant_name = Column(String(200), nullable=False)
    phone_hash = Column(String(128), nullable=False, index=True)  # keyed hash, never the number
    form_data = Column(JSON, nullable=False, default=dict)  # the citizen's answers by field name, only them
    # What the filing recorded besides the answers: the papers uploaded during the form
    # ([{"upload_id", "filename"}]), whether the due date is an estimate (the catalogue's unit was
    # unclear) and the fee as the citizen was told it ("15.000 đồng (theo …)", "Miễn phí").
    attachments = Column(JSON, nullable=False, default=list)
    due_is_estimate = Column(Boolean, nullable=False, default=False)
    fee_text = Column(Text, nullable=False, default="")
    department_id = Column(Integer, ForeignKey("departments.id"))
    officer_id = Column(Integer, ForeignKey("officers.id"))
    received_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    due_at = Column(DateTime(timezone=True))
    # The time limit in working days, so the clock can restart when a requested supplement arrives.
    time_limit_days = Column(Integer)
    clock_paused_at = Column(DateTime(timezone=True))  # set while waiting for the citizen's supplement
    supplement_request = Column(Text, nullable=False, default="")  # which documents the citizen must add
    completed_at = Column(DateTime(timezone=True))  # when the result was decided (approved / rejected)
    fee_amount = Column(Integer)  # VND, when the catalogue states one
    fee_paid_at = Column(DateTime(timezone=True))
    # Decree 13/2023: the consent notice agreed to (label/sha256, bot/privacy/consent.py), and when.
    consent_version = Column(String(64))
    consent_at = Column(DateTime(timezone=True))
    # When the retention job anonymised its personal fields (bot/privacy/retention.py); None while kept.
    personal_data_erased_at = Column(DateTime(timezone=True))
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utc_now, onupdate=utc_now)

    events = relationship(
        "DossierEvent", back_populates="dossier", order_by="DossierEvent.id", cascade="all, delete-orphan"
    )


class DossierEvent(Base):
    """One step of a dossier's timeline: who did what, when, in which department."""

    __tablename__ = "dossier_events"

    id = Column(Integer, primary_key=True)
    dossier_id = Column(Integer, ForeignKey("dossiers.id"), nullable=False, index=True)
    action = Column(String(32), nullable=False)
    from_status = Column(String(32))
    to_status = Column(String(32), nullable=False)
    officer_id = Column(Integer, ForeignKey("officers.id"))
    department_id = Column(Integer, ForeignKey("departments.id"))
    note = Column(Text, nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)

    dossier = relationship("Dossier", back_populates="events")


class OfficerSession(Base):
    """A signed-in officer: a browser session (kind "web", with its CSRF token) or an API bearer token
    (kind "api"). Only a hash of the secret is stored, so a database leak does not leak sessions."""

    __tablename__ = "officer_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), unique=True, nullable=False)
    officer_id = Column(Integer, ForeignKey("officers.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(8), nullable=False)  # web | api
    csrf_token = Column(String(64), nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    last_used_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)  # for the idle timeout

    officer = relationship("Officer")


class Notification(Base):
    """Outbox of messages to a citizen's conversation, written in the same transaction as the status
    change and delivered through Rasa's HTTP API until it succeeds (so nothing is lost while Rasa is down)."""

    __tablename__ = "notifications"

    id = Column(Integer, primary_key=True)
    # None for an officer's message in a live chat (bot/handover): a conversation's message, not a dossier's.
    dossier_id = Column(Integer, ForeignKey("dossiers.id"), index=True)
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(128), nullable=False)
    text = Column(Text, nullable=False)
    # What the citizen may rate under this message ("dossier|<code>", "handover|<id>"; bot/feedback), or "".
    rate = Column(String(80), nullable=False, default="", server_default="")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)
    delivered_at = Column(DateTime(timezone=True), index=True)
    last_error = Column(Text, nullable=False, default="")


class StatusLookup(Base):
    """One citizen lookup of a dossier by code, kept to rate-limit guessing (only a hash of the sender)."""

    __tablename__ = "status_lookups"

    id = Column(Integer, primary_key=True)
    requester_hash = Column(String(64), nullable=False, index=True)
    found = Column(Boolean, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)


class ChannelUpdate(Base):
    """An update a chat platform delivered (Telegram update_id, Zalo msg_id), kept a day so that a platform's
    retry of the same update is processed once, also across a restart."""

    __tablename__ = "channel_updates"

    channel = Column(String(32), primary_key=True)
    update_id = Column(String(128), primary_key=True)
    received_at = Column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)


class ButtonPayload(Base):
    """A button payload too long for the platform (Telegram callback_data ≤ 64 bytes); the button carries
    the token instead."""

    __tablename__ = "button_payloads"

    token = Column(String(32), primary_key=True)
    payload = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)


class VerifiedContact(Base):
    """A phone number a chat platform vouched for as the sender's own (Telegram contact with the sender's
    user id, Zalo user_submit_info); only its keyed hash is kept."""

    __tablename__ = "verified_contacts"

    channel = Column(String(32), primary_key=True)
    sender_id = Column(String(128), primary_key=True)
    phone_hash = Column(String(64), nullable=False)
    verified_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)


class ChannelMessage(Base):
    """A message to send on a chat platform, queued before it is sent so that an outage of the platform
    delays it instead of losing it; sent in order per recipient."""

    __tablename__ = "channel_messages"

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    recipient = Column(String(128), nullable=False)
    body = Column(JSON, nullable=False)  # the platform API call, as the channel's renderer made it
    # For an update about a dossier: sent by SMS to the dossier's phone when the platform refuses it until
    # the citizen writes again (Zalo's reply window has closed); "" for other messages.
    dossier_code = Column(String(64), nullable=False, default="")
    status = Column(String(16), nullable=False, default="pending", index=True)  # pending|sent|held|failed
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    locked_until = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    sent_at = Column(DateTime(timezone=True), index=True)
    last_error = Column(Text, nullable=False, default="")


class PlatformToken(Base):
    """The current access/refresh token pair of a platform account (Zalo OA): refresh tokens are single
    use, so the newest pair lives here, written atomically, never in .env."""

    __tablename__ = "platform_tokens"

    name = Column(String(32), primary_key=True)
    access_token = Column(Text, nullable=False)
    refresh_token = Column(Text, nullable=False)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    refreshing_until = Column(DateTime(timezone=True))  # a process is refreshing; others wait for it
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)


class SearchMiss(Base):
    """A question the bot could not answer with one procedure (it offered candidates, asked which sibling,
    said the matter is not in the catalogue, or did not understand), kept masked (bot/text/masking.py),
    with what the citizen then picked, so that the situation data grows from real questions."""

    __tablename__ = "search_misses"

    id = Column(Integer, primary_key=True)
    question = Column(Text, nullable=False)  # masked
    outcome = Column(String(32), nullable=False, index=True)
    offered = Column(JSON, nullable=False, default=list)  # the procedure codes offered, best first
    picked = Column(String(64), nullable=True)  # the code the citizen chose afterwards
    sender_hash = Column(String(64), nullable=False, index=True)  # keyed hash: links the pick, nothing more
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)


class Payment(Base):
    """One attempt to pay a dossier's fee online (one VNPay order, `txn_ref`). A new attempt is made only
    when the previous link has expired; the first attempt the gateway confirms pays the dossier."""

    __tablename__ = "payments"

    id = Column(Integer, primary_key=True)
    dossier_id = Column(Integer, ForeignKey("dossiers.id"), nullable=False, index=True)
    txn_ref = Column(String(32), unique=True, nullable=False)
    amount = Column(Integer, nullable=False)  # VND
    status = Column(String(16), nullable=False, index=True)  # pending | paid | failed
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    settled_at = Column(DateTime(timezone=True))  # when the gateway's answer was recorded
    settled_via = Column(String(8), nullable=False, default="")  # ipn | querydr
    response_code = Column(String(4), nullable=False, default="")
    gateway_transaction_no = Column(String(32), nullable=False, default="")
    bank_code = Column(String(20), nullable=False, default="")
    paid_at = Column(DateTime(timezone=True))  # the gateway's payment time (vnp_PayDate)


class AuditEntry(Base):
    """An officer looked at a dossier or downloaded one of its files (or was refused): who, when, what."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)
    officer_id = Column(Integer, ForeignKey("officers.id"), index=True)
    username = Column(String(64), nullable=False)
    role = Column(String(32), nullable=False)
    action = Column(String(32), nullable=False)  # see bot/officers/audit.py
    dossier_code = Column(String(64), nullable=False, default="", index=True)
    detail = Column(String(300), nullable=False, default="")
    allowed = Column(Boolean, nullable=False)
