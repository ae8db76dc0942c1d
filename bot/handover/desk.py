"""The handover desk: a conversation asks for an officer (or leaves a message out of hours), waits in its
department's queue, is claimed by one officer, hears the officer's messages on its own channel while the
bot stays silent, and goes back to the bot when the officer releases it.

Every message to the citizen is a row of the notification outbox (bot/notifications), written in the same
transaction as the step: delivered once, in order, on the citizen's channel, whatever crashes."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Department, Notification, Officer
from bot.db.times import as_utc
from bot.feedback.models import LIVE_CHAT
from bot.handover import messages
from bot.handover.models import (
    ACTIVE,
    CALLBACK,
    CLOSED,
    LIVE,
    OPEN_STATUSES,
    WAITING,
    HandoverMessage,
    HandoverRequest,
)
from bot.handover.office_hours import OfficeHours, spoken_moment
from bot.notifications.outbox import message_to
from bot.workflow.permissions import Actor

DESK = "MOT_CUA"
RECENT_CHATS = 20  # the estimated wait follows the last chats' handling times
WHOLE_COMMUNE_ROLES = ("desk", "admin")  # who sees and may claim every department's queue
# Who reads a conversation's personal data (phones, ID numbers) in clear: the officers who handle citizens'
# files. Leaders and admins see it masked.
PERSONAL_DATA_ROLES = frozenset({"desk", "specialist"})


class HandoverError(Exception):
    """A step the officer may not take now (someone else claimed it, it is closed, not theirs)."""


@dataclass(frozen=True)
class Ticket:
    request_id: int
    position: int  # 1 = next
    estimated_minutes: int
    message: str  # what to tell the citizen


@dataclass(frozen=True)
class QueueEntry:
    id: int
    channel: str
    sender_id: str
    kind: str
    reason: str
    department_code: str | None
    topic: str
    status: str
    created_at: datetime
    officer: str | None
    officer_id: int | None
    callback_phone: str | None
    waiting_minutes: int


@dataclass(frozen=True)
class ChatLine:
    id: int
    author: str
    text: str
    created_at: datetime


class HandoverDesk:
    def __init__(
        self,
        sessions: sessionmaker,
        office_hours: OfficeHours,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        default_handling_minutes: int = 5,
    ) -> None:
        self.sessions = sessions
        self.office_hours = office_hours
        self.clock = clock
        self.default_handling_minutes = default_handling_minutes

    # The citizen's side -----------------------------------------------------------------------------

    def is_open(self) -> bool:
        return self.office_hours.is_open(self.clock())

    def out_of_hours_message(self) -> str:
        now = self.clock()
        opening = self.office_hours.next_opening(now)
        if opening is None:
            return messages.CLOSED_FOR_LONG
        return messages.OUT_OF_HOURS.format(opening=spoken_moment(opening, now))

    def request(
        self, channel: str, sender_id: str, department_code: str | None, topic: str, reason: str
    ) -> Ticket:
        """Queue the conversation for a live chat (once: asking again tells the same place)."""
        now = self.clock()
        with self.sessions() as session, session.begin():
            existing = self._open(session, channel, sender_id)
            if existing is not None:
                return self._ticket(session, existing, again=True)
            request = self._new_request(channel, sender_id, LIVE, reason, department_code, topic, now)
            session.add(request)
            try:
                session.flush()
            except IntegrityError:  # another process queued this conversation a moment ago
                session.rollback()
                with self.sessions() as again:
                    return self._ticket(again, self._open(again, channel, sender_id), again=True)
            return self._ticket(session, request, again=False)

    def leave_message(
        self, channel: str, sender_id: str, department_code: str | None, topic: str, text: str, phone: str
    ) -> str:
        """Out of hours: the message and the number to call back land in the queue for the next session."""
        now = self.clock()
        with self.sessions() as session, session.begin():
            existing = self._open(session, channel, sender_id)
            if existing is not None and existing.status == WAITING:
                existing.kind, existing.callback_phone = CALLBACK, phone
                request = existing
            else:
                request = self._new_request(
                    channel, sender_id, CALLBACK, "out_of_hours", department_code, topic, now
                )
                request.callback_phone = phone
                session.add(request)
                session.flush()
            session.add(HandoverMessage(request_id=request.id, author="citizen", text=text, created_at=now))
            department = self._department_name(session, department_code)
        opening = self.office_hours.next_opening(now)
        when = spoken_moment(opening, now) if opening else "khi cán bộ làm việc trở lại"
        return messages.CALLBACK_TAKEN.format(department=department, phone=phone, opening=when)

    def cancel(self, channel: str, sender_id: str) -> bool:
        """The citizen no longer waits (only a waiting request: a held chat is the officer's to release)."""
        with self.sessions() as session, session.begin():
            request = self._open(session, channel, sender_id)
            if request is None or request.status != WAITING:
                return False
            request.status, request.closed_at = CLOSED, self.clock()
            request.summary = "Người dân hủy yêu cầu."
            return True

    def holder(self, channel: str, sender_id: str) -> int | None:
        """The open live chat's request id when an officer holds the conversation (the bot is silent)."""
        with self.sessions() as session:
            return self._held_id(session, channel, sender_id)

    def relay(self, channel: str, sender_id: str, text: str) -> bool:
        """A citizen's message: kept for the officer when one holds the conversation (True), else False."""
        with self.sessions() as session, session.begin():
            request_id = self._held_id(session, channel, sender_id)
            if request_id is None:
                return False
            session.add(
                HandoverMessage(request_id=request_id, author="citizen", text=text, created_at=self.clock())
            )
            return True

    # The officers' side -----------------------------------------------------------------------------

    def queue(self, officer: Actor, include_closed: bool = False) -> list[QueueEntry]:
        now = self.clock()
        with self.sessions() as session:
            query = select(HandoverRequest).order_by(HandoverRequest.created_at, HandoverRequest.id)
            if not include_closed:
                query = query.where(HandoverRequest.status.in_(OPEN_STATUSES))
            rows = session.execute(query).scalars().all()
            scope = self._scope(session, officer)
            return [self._entry(row, now) for row in rows if scope is None or row.department_code in scope]

    def claim(self, request_id: int, officer: Actor) -> None:
        now = self.clock()
        with self.sessions() as session, session.begin():
            request = self._for_officer(session, request_id, officer)
            taken = session.execute(
                update(HandoverRequest)
                .where(HandoverRequest.id == request_id, HandoverRequest.status == WAITING)
                .values(status=ACTIVE, claimed_at=now, officer_id=officer.id)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                raise HandoverError("Một cán bộ khác đã nhận trò chuyện này, hoặc người dân đã hủy.")
            name = self._officer_name(session, officer.id)
            text = messages.CLAIMED.format(
                officer=name, department=self._department_name(session, request.department_code)
            )
            session.add(self._notification(request, text, now))

    def send(self, request_id: int, officer: Actor, text: str) -> int:
        """The officer's message, to the citizen's channel; returns the message's id."""
        text = text.strip()
        if not text:
            raise HandoverError("Tin nhắn trống.")
        now = self.clock()
        with self.sessions() as session, session.begin():
            request = self._held(session, request_id, officer)
            line = HandoverMessage(
                request_id=request.id, author="officer", officer_id=officer.id, text=text, created_at=now
            )
            session.add(line)
            name = self._officer_name(session, officer.id)
            session.add(
                self._notification(request, messages.OFFICER_SAYS.format(officer=name, text=text), now)
            )
            session.flush()
            return line.id

    def release(self, request_id: int, officer: Actor, summary: str = "") -> None:
        """Back to the bot, with the officer's summary written to the conversation."""
        now = self.clock()
        summary = summary.strip()
        with self.sessions() as session, session.begin():
            request = self._held(session, request_id, officer)
            request.status, request.closed_at, request.summary = CLOSED, now, summary
            text = messages.RELEASED.format(
                officer=self._officer_name(session, officer.id),
                summary=messages.SUMMARY.format(summary=summary) if summary else "",
            )
            session.add(self._notification(request, text, now, rate=f"{LIVE_CHAT}|{request.id}"))

    def close_callback(self, request_id: int, officer: Actor, summary: str) -> None:
        """A callback request handled by phone: closed with what was done."""
        with self.sessions() as session, session.begin():
            request = self._for_officer(session, request_id, officer)
            if request.kind != CALLBACK or request.status != WAITING:
                raise HandoverError("Chỉ đóng được yêu cầu gọi lại đang chờ.")
            request.status, request.closed_at = CLOSED, self.clock()
            request.officer_id, request.summary = officer.id, summary.strip()

    def transcript(self, request_id: int, officer: Actor, after_id: int = 0) -> list[ChatLine]:
        with self.sessions() as session:
            self._for_officer(session, request_id, officer)
            rows = session.execute(
                select(HandoverMessage)
                .where(HandoverMessage.request_id == request_id, HandoverMessage.id > after_id)
                .order_by(HandoverMessage.id)
            ).scalars()
            return [ChatLine(row.id, row.author, row.text, as_utc(row.created_at)) for row in rows]

    def request_of(self, request_id: int, officer: Actor) -> QueueEntry:
        with self.sessions() as session:
            return self._entry(self._for_officer(session, request_id, officer), self.clock())

    # Inside ------------------------------------------------------------------------------------------

    @staticmethod
    def _new_request(
        channel: str,
        sender_id: str,
        kind: str,
        reason: str,
        department_code: str | None,
        topic: str,
        now: datetime,
    ) -> HandoverRequest:
        return HandoverRequest(
            channel=channel,
            sender_id=sender_id,
            kind=kind,
            reason=reason,
            department_code=department_code,
            topic=topic[:500],
            status=WAITING,
            created_at=now,
            summary="",
        )

    @staticmethod
    def _held_id(session: Session, channel: str, sender_id: str) -> int | None:
        """The request of the conversation an officer holds now, if any."""
        return session.execute(
            select(HandoverRequest.id).where(
                HandoverRequest.channel == channel,
                HandoverRequest.sender_id == sender_id,
                HandoverRequest.status == ACTIVE,
            )
        ).scalar_one_or_none()

    @staticmethod
    def _open(session: Session, channel: str, sender_id: str) -> HandoverRequest | None:
        return session.execute(
            select(HandoverRequest).where(
                HandoverRequest.channel == channel,
                HandoverRequest.sender_id == sender_id,
                HandoverRequest.status.in_(OPEN_STATUSES),
            )
        ).scalar_one_or_none()

    def _ticket(self, session: Session, request: HandoverRequest, again: bool) -> Ticket:
        if request.status == ACTIVE:
            name = self._officer_name(session, request.officer_id)
            return Ticket(request.id, 0, 0, messages.ALREADY_HELD.format(officer=name))
        code = request.department_code
        same_department = (
            HandoverRequest.department_code.is_(None)
            if code is None
            else HandoverRequest.department_code == code
        )
        ahead = session.execute(
            select(HandoverRequest.id).where(
                HandoverRequest.status == WAITING,
                HandoverRequest.kind == LIVE,
                same_department,
                HandoverRequest.id < request.id,
            )
        ).all()
        position = len(ahead) + 1
        minutes = max(1, round(position * self._handling_minutes(session)))
        template = messages.ALREADY_QUEUED if again else messages.QUEUED
        text = template.format(
            department=self._department_name(session, request.department_code),
            position=position,
            minutes=minutes,
        )
        return Ticket(request.id, position, minutes, text)

    def _handling_minutes(self, session: Session) -> float:
        """The median minutes from claim to release over the last chats (the default before there are any)."""
        rows = session.execute(
            select(HandoverRequest.claimed_at, HandoverRequest.closed_at)
            .where(HandoverRequest.kind == LIVE, HandoverRequest.claimed_at.is_not(None))
            .where(HandoverRequest.closed_at.is_not(None))
            .order_by(HandoverRequest.closed_at.desc())
            .limit(RECENT_CHATS)
        ).all()
        durations = [(as_utc(closed) - as_utc(claimed)) / timedelta(minutes=1) for claimed, closed in rows]
        return statistics.median(durations) if durations else float(self.default_handling_minutes)

    @staticmethod
    def _department_name(session: Session, code: str | None) -> str:
        if code is None:
            return messages.DESK_NAME
        name = session.execute(select(Department.name).where(Department.code == code)).scalar_one_or_none()
        return name or messages.DESK_NAME

    @staticmethod
    def _officer_name(session: Session, officer_id: int | None) -> str:
        name = session.execute(select(Officer.full_name).where(Officer.id == officer_id)).scalar_one_or_none()
        return name or "cán bộ"

    @staticmethod
    def _scope(session: Session, officer: Actor) -> set[str | None] | None:
        """The departments whose queue the officer sees; None: all of them."""
        if officer.role in WHOLE_COMMUNE_ROLES:
            return None
        if officer.department_id is None:  # an analytics officer: no department, no citizens' chats
            return set()
        code = session.execute(
            select(Department.code).where(Department.id == officer.department_id)
        ).scalar_one_or_none()
        return None if code == DESK else {code}

    def _for_officer(self, session: Session, request_id: int, officer: Actor) -> HandoverRequest:
        request = session.get(HandoverRequest, request_id)
        scope = self._scope(session, officer)
        if request is None or (scope is not None and request.department_code not in scope):
            raise HandoverError("Không có yêu cầu này trong hàng chờ của anh/chị.")
        return request

    def _held(self, session: Session, request_id: int, officer: Actor) -> HandoverRequest:
        request = self._for_officer(session, request_id, officer)
        if request.status != ACTIVE or request.officer_id != officer.id:
            raise HandoverError(
                "Trò chuyện này không do anh/chị giữ (chưa nhận, đã kết thúc hoặc của người khác)."
            )
        return request

    @staticmethod
    def _entry(row: HandoverRequest, now: datetime) -> QueueEntry:
        created = as_utc(row.created_at)
        return QueueEntry(
            id=row.id,
            channel=row.channel,
            sender_id=row.sender_id,
            kind=row.kind,
            reason=row.reason,
            department_code=row.department_code,
            topic=row.topic,
            status=row.status,
            created_at=created,
            officer=row.officer.full_name if row.officer else None,
            officer_id=row.officer_id,
            callback_phone=row.callback_phone,
            waiting_minutes=max(0, int((as_utc(row.claimed_at or now) - created) / timedelta(minutes=1))),
        )

    @staticmethod
    def _notification(request: HandoverRequest, text: str, now: datetime, rate: str = "") -> Notification:
        return message_to(request.channel, request.sender_id, text, now, rate=rate)
