"""The audit log of officers' access to dossiers: every view and download, and every refusal.

Entries are written in the same transaction as the read they record (see WorkflowService.open_for), so a
dossier is never shown without its entry. Only admins read the log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import AuditEntry
from bot.db.times import as_utc
from bot.officers.accounts import utc_clock

VIEW = "view"
ATTACHMENT = "attachment"
DECLARATION = "declaration"
RESULT = "result"
RESULT_UPLOAD = "result_upload"
ACTION = "action"
ACTION_LABELS = {
    VIEW: "Xem hồ sơ",
    ATTACHMENT: "Tải tệp đính kèm",
    DECLARATION: "Tải tờ khai",
    RESULT: "Tải tệp kết quả",
    RESULT_UPLOAD: "Tải lên tệp kết quả",
    ACTION: "Xử lý hồ sơ",
}
MAX_DETAIL = 300


class Reader(Protocol):
    """Who read: an officer as the permission checks see them."""

    id: int
    username: str
    role: str


@dataclass(frozen=True)
class AuditView:
    at: datetime
    username: str
    role: str
    action: str
    action_label: str
    dossier_code: str
    detail: str
    allowed: bool


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    dossier_code: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def entry(officer: Reader, action: str, dossier_code: str, detail: str, allowed: bool, at: datetime):
    return AuditEntry(
        at=at,
        officer_id=officer.id,
        username=officer.username,
        role=officer.role,
        action=action,
        dossier_code=dossier_code[:64],
        detail=detail[:MAX_DETAIL],
        allowed=allowed,
    )


class AuditLog:
    def __init__(self, session_factory: sessionmaker, clock: Callable[[], datetime] = utc_clock) -> None:
        self._sessions = session_factory
        self._clock = clock

    def record(
        self, officer: Reader, action: str, dossier_code: str, detail: str = "", allowed: bool = True
    ) -> None:
        with self._sessions() as session, session.begin():
            session.add(entry(officer, action, dossier_code, detail, allowed, self._clock()))

    @staticmethod
    def record_in(session: Session, officer: Reader, action: str, code: str, detail: str, allowed: bool, at):
        session.add(entry(officer, action, code, detail, allowed, at))

    def list(self, filters: AuditFilter = AuditFilter(), limit: int = 500) -> list[AuditView]:
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        if filters.username:
            query = query.where(AuditEntry.username == filters.username)
        if filters.dossier_code:
            query = query.where(AuditEntry.dossier_code == filters.dossier_code)
        if filters.since:
            query = query.where(AuditEntry.at >= filters.since)
        if filters.until:
            query = query.where(AuditEntry.at < filters.until)
        with self._sessions() as session:
            return [
                AuditView(
                    at=as_utc(row.at),
                    username=row.username,
                    role=row.role,
                    action=row.action,
                    action_label=ACTION_LABELS.get(row.action, row.action),
                    dossier_code=row.dossier_code,
                    detail=row.detail,
                    allowed=row.allowed,
                )
                for row in session.execute(query).scalars()
            ]
