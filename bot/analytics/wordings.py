"""Citizen wordings learned from unanswered questions: an officer proposes a (masked) question from the
analytics page as a wording of a procedure, another officer (or an admin) approves it, and the search
(bot/catalog/library.py) takes the approved ones into its situation data at the next question, in every
process, without a retrain: `signature()` is the cheap check it makes, `situations()` what it merges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, sessionmaker

from bot.analytics.models import APPROVED, PROPOSED, REJECTED, CitizenWording
from bot.catalog.situations import ProcedureSituations
from bot.db.session import begin_write
from bot.db.times import as_utc, optional_utc
from bot.text.masking import mask_personal
from bot.text.normalize import fold

MAX_WORDING = 500  # as long as a kept question (bot/catalog/misses.py)
LEARNED_FIELD = "học từ câu hỏi của người dân"


class WordingError(ValueError):
    """A refused proposal or review; the message is Vietnamese, for the officer."""


@dataclass(frozen=True)
class Wording:
    id: int
    wording: str
    procedure_code: str
    status: str
    proposed_by: int
    proposed_at: datetime
    reviewed_by: int | None
    reviewed_at: datetime | None


def _view(row: CitizenWording) -> Wording:
    return Wording(
        row.id,
        row.wording,
        row.procedure_code,
        row.status,
        row.proposed_by,
        as_utc(row.proposed_at),
        row.reviewed_by,
        optional_utc(row.reviewed_at),
    )


def _key(wording: str) -> str:
    return " ".join(fold(wording).split())


class WordingReview:
    def __init__(
        self,
        sessions: sessionmaker,
        known: Callable[[str], bool],
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.sessions = sessions
        self.known = known  # whether a procedure code is in the catalogue (national or the commune's)
        self.clock = clock

    def propose(self, officer_id: int, wording: str, procedure_code: str) -> Wording:
        text = mask_personal(" ".join(wording.split()))
        code = procedure_code.strip()
        if not text:
            raise WordingError("Câu hỏi trống: hãy nhập cách nói của người dân.")
        if len(text) > MAX_WORDING:
            raise WordingError(f"Câu hỏi dài quá {MAX_WORDING} ký tự.")
        if not code or not self.known(code):
            raise WordingError(f"Mã thủ tục {code or '(trống)'} không có trong danh mục.")
        with self.sessions.begin() as session:
            begin_write(session)
            taken = session.execute(
                select(CitizenWording.wording).where(
                    CitizenWording.procedure_code == code,
                    CitizenWording.status.in_((PROPOSED, APPROVED)),
                )
            ).scalars()
            if _key(text) in {_key(other) for other in taken}:
                raise WordingError(f"Cách nói này đã được đề xuất hoặc đã duyệt cho thủ tục {code}.")
            row = CitizenWording(
                wording=text,
                procedure_code=code,
                status=PROPOSED,
                proposed_by=officer_id,
                proposed_at=self.clock(),
            )
            session.add(row)
            session.flush()
            return _view(row)

    def approve(self, wording_id: int, reviewer_id: int, reviewer_is_admin: bool) -> Wording:
        return self._review(wording_id, reviewer_id, reviewer_is_admin, APPROVED)

    def reject(self, wording_id: int, reviewer_id: int, reviewer_is_admin: bool) -> Wording:
        return self._review(wording_id, reviewer_id, reviewer_is_admin, REJECTED)

    def _review(self, wording_id: int, reviewer_id: int, reviewer_is_admin: bool, status: str) -> Wording:
        with self.sessions.begin() as session:
            begin_write(session)
            row = session.get(CitizenWording, wording_id)
            if row is None:
                raise WordingError(f"Không tìm thấy đề xuất số {wording_id}.")
            if row.status != PROPOSED:
                raise WordingError(f"Đề xuất số {wording_id} đã được xử lý trước đó.")
            if row.proposed_by == reviewer_id and not reviewer_is_admin:
                raise WordingError(
                    "Cán bộ không tự duyệt đề xuất của mình: cần một cán bộ khác hoặc quản trị viên."
                )
            row.status, row.reviewed_by, row.reviewed_at = status, reviewer_id, self.clock()
            session.flush()
            return _view(row)

    def pending(self) -> list[Wording]:
        """The proposals waiting for a review, newest first."""
        return self._list(PROPOSED, CitizenWording.proposed_at)

    def approved(self) -> list[Wording]:
        """The approved wordings, the most recently approved first."""
        return self._list(APPROVED, CitizenWording.reviewed_at)

    def _list(self, status: str, newest: InstrumentedAttribute) -> list[Wording]:
        with self.sessions() as session:
            rows = session.execute(
                select(CitizenWording)
                .where(CitizenWording.status == status)
                .order_by(newest.desc(), CitizenWording.id.desc())
            ).scalars()
            return [_view(row) for row in rows]

    # -- what the search needs (bot/catalog/library.py LearnedWordings) -----------------------------------

    def signature(self) -> tuple:
        """Changes whenever the approved set does (one small query, made by the search every second)."""
        with self.sessions() as session:
            count, last = session.execute(
                select(func.count(CitizenWording.id), func.max(CitizenWording.reviewed_at)).where(
                    CitizenWording.status == APPROVED
                )
            ).one()
        return (count, str(last))

    def situations(self) -> tuple[ProcedureSituations, ...]:
        """The approved wordings, grouped by procedure."""
        with self.sessions() as session:
            rows = session.execute(
                select(CitizenWording.procedure_code, CitizenWording.wording)
                .where(CitizenWording.status == APPROVED)
                .order_by(CitizenWording.id)
            ).all()
        grouped: dict[str, list[str]] = {}
        for code, wording in rows:
            grouped.setdefault(code, []).append(wording)
        return tuple(
            ProcedureSituations(code, LEARNED_FIELD, tuple(dict.fromkeys(wordings)))
            for code, wordings in grouped.items()
        )
