"""Create a dossier from a verified form, in one transaction, exactly once per idempotency key."""

from __future__ import annotations

import hashlib
import hmac
from calendar import monthrange
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import faults
from bot.calendar.working_days import WorkingCalendar
from bot.catalog.model import ONLINE, Procedure, TimeLimit
from bot.db.models import Department, Dossier, DossierEvent
from bot.db.times import as_utc
from bot.forms.definitions import FormSpec
from bot.payments.fees import FeeSchedule, describe
from bot.privacy.consent import ConsentRecord
from bot.workflow.clock import VIETNAM, end_of_working_day

RECEIVED = "received"  # "Mới tiếp nhận" at the one-stop desk
ONE_STOP_DESK = ("MOT_CUA", "Bộ phận Một cửa")
_RETRIES = 5


@dataclass(frozen=True)
class SubmittedDossier:
    code: str
    procedure_code: str
    procedure_name: str
    received_at: datetime
    due_date: date | None
    due_is_estimate: bool  # the catalogue did not say whether the time limit counts working days
    created: bool  # False when this idempotency key had already created the dossier
    fee_text: str = ""  # the fee as told to the citizen ("15.000 đồng (theo …)", "Miễn phí"…)


def dossier_code(agency_code: str, day: date, sequence: int) -> str:
    """`{agency identifier}-{yymmdd}-{4-digit sequence}`, e.g. 000.00.12.H23-251122-0007."""
    return f"{agency_code}-{day:%y%m%d}-{sequence:04d}"


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def due_date(
    received_at: datetime, limit: TimeLimit | None, calendar: WorkingCalendar
) -> tuple[date | None, bool]:
    """The due date for a time limit as the catalogue states it, and whether it is an estimate."""
    if limit is None or limit.value is None:
        return None, False
    amount = limit.value
    unit = (limit.unit or "").lower()
    if unit == "giờ":
        return calendar.add_working_days(received_at, max(1, round(amount / 8))), True
    if unit == "tháng":
        return _add_months(received_at.date(), round(amount)), False
    if unit == "năm":
        return _add_months(received_at.date(), round(amount * 12)), False
    if unit == "ngày":
        return received_at.date() + timedelta(days=round(amount)), False
    # "ngày làm việc", or no unit: administrative time limits are counted in working days by default.
    return calendar.add_working_days(received_at, max(1, round(amount))), unit != "ngày làm việc"


def working_days_limit(limit: TimeLimit | None) -> int | None:
    """The time limit in working days, when it is counted in working days (or has no stated unit)."""
    if limit is None or limit.value is None:
        return None
    unit = (limit.unit or "").lower()
    if unit == "giờ":
        return max(1, round(limit.value / 8))
    return max(1, round(limit.value)) if unit in ("", "ngày làm việc") else None


def online_time_limit(procedure: Procedure | None) -> TimeLimit | None:
    if procedure is None:
        return None
    channels = sorted(procedure.channels, key=lambda channel: channel.kind != ONLINE)  # online first
    return next((channel.time_limit for channel in channels if channel.time_limit.value is not None), None)


def link_token(secret: bytes, purpose: str, code: str) -> str:
    """An unguessable token for a link that only the citizen who got it can open (e.g. their PDF)."""
    return hmac.new(secret, f"{purpose}:{code}".encode(), hashlib.sha256).hexdigest()[:32]


def link_token_matches(secret: bytes, purpose: str, code: str, token: str) -> bool:
    """Whether `token` (from a link's query, so anything at all) is the link's token; constant time."""
    return hmac.compare_digest(token.encode(), link_token(secret, purpose, code).encode())


class DossierService:
    def __init__(
        self,
        session_factory: sessionmaker,
        calendar: WorkingCalendar,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        fees: FeeSchedule | None = None,
        *,
        agency_code: str,  # the commune's (Settings.agency_code): first part of every dossier code
    ) -> None:
        self.session_factory = session_factory
        self.agency_code = agency_code
        self.calendar = calendar
        self.clock = clock
        self.fees = fees or FeeSchedule({})  # without the commune's table: the catalogue's amounts

    def submit(
        self,
        *,
        form: FormSpec,
        procedure: Procedure | None,
        answers: Mapping[str, str],
        channel: str,
        sender_id: str,
        phone_hash: str,
        idempotency_key: str,
        attachments: Sequence[Mapping[str, Any]] = (),
        consent: ConsentRecord | None = None,  # the notice the citizen agreed to before the form, and when
    ) -> SubmittedDossier:
        """Create the dossier, or return the one this key already created (a retried action, a double
        click or a network retry). The code's sequence is per agency and day; a race on it retries."""
        for _ in range(_RETRIES):
            existing = self._find(idempotency_key)
            if existing is not None:
                return existing
            try:
                created = self._create(
                    form,
                    procedure,
                    answers,
                    attachments,
                    channel,
                    sender_id,
                    phone_hash,
                    idempotency_key,
                    consent,
                )
            except IntegrityError:
                continue  # another request took the same sequence number or the same key: look again
            faults.point("submission.after_commit")
            return created
        raise RuntimeError("could not allocate a dossier code")

    def declared_phone(self, code: str, phone_field: Callable[[str], str | None]) -> str | None:
        """The phone number declared in a dossier (`phone_field` names the field for a procedure code)."""
        with self.session_factory() as session:
            dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
            field = phone_field(dossier.procedure_code) if dossier else None
            return str((dossier.form_data or {}).get(field) or "") or None if field else None

    def _find(self, idempotency_key: str) -> SubmittedDossier | None:
        with self.session_factory() as session:
            dossier = session.execute(
                select(Dossier).where(Dossier.idempotency_key == idempotency_key)
            ).scalar_one_or_none()
            return None if dossier is None else self._result(dossier, created=False)

    def _result(self, dossier: Dossier, created: bool) -> SubmittedDossier:
        received = as_utc(dossier.received_at)
        return SubmittedDossier(
            code=dossier.code,
            procedure_code=dossier.procedure_code,
            procedure_name=dossier.procedure_name,
            received_at=received,
            due_date=as_utc(dossier.due_at).astimezone(VIETNAM).date() if dossier.due_at else None,
            due_is_estimate=bool(dossier.due_is_estimate),
            created=created,
            fee_text=dossier.fee_text or "",
        )

    @staticmethod
    def _desk(session: Session) -> Department:
        code, name = ONE_STOP_DESK
        desk = session.execute(select(Department).where(Department.code == code)).scalar_one_or_none()
        if desk is None:
            desk = Department(code=code, name=name)
            session.add(desk)
            session.flush()
        return desk

    def _create(
        self,
        form: FormSpec,
        procedure: Procedure | None,
        answers: Mapping[str, Any],
        attachments: Sequence[Mapping[str, Any]],
        channel: str,
        sender_id: str,
        phone_hash: str,
        idempotency_key: str,
        consent: ConsentRecord | None = None,
    ) -> SubmittedDossier:
        now = self.clock()
        local_now = now.astimezone(VIETNAM)  # codes and due dates follow the commune's calendar day
        limit = online_time_limit(procedure)
        due, estimate = due_date(local_now, limit, self.calendar)
        prefix = dossier_code(self.agency_code, local_now.date(), 0)[:-4]
        fee = self.fees.fee_for(procedure, form.procedure_code, answers)
        with self.session_factory() as session, session.begin():
            desk = self._desk(session)
            last = session.execute(
                select(func.max(Dossier.code)).where(Dossier.code.like(f"{prefix}%"))
            ).scalar()
            sequence = int(last[-4:]) + 1 if last else 1
            dossier = Dossier(
                code=dossier_code(self.agency_code, local_now.date(), sequence),
                idempotency_key=idempotency_key,
                procedure_code=form.procedure_code,
                procedure_name=procedure.name if procedure else form.title,
                status=RECEIVED,
                channel=channel,
                sender_id=sender_id,
                applicant_name=answers.get(form.applicant_name_field, ""),
                phone_hash=phone_hash,
                form_data=dict(answers),
                attachments=[dict(item) for item in attachments],
                due_is_estimate=estimate,
                fee_text=describe(fee),
                department_id=desk.id,
                received_at=now,
                # Due at the end of the working day (17:00 in Vietnam).
                due_at=end_of_working_day(due) if due else None,
                time_limit_days=working_days_limit(limit),
                fee_amount=fee.amount if fee else None,
                consent_version=consent.version if consent else None,
                consent_at=consent.given_at if consent else None,
            )
            dossier.events.append(
                DossierEvent(
                    action="submit",
                    to_status=RECEIVED,
                    department_id=desk.id,
                    note=f"Nộp qua trợ lý ảo (kênh {channel})",
                    created_at=now,
                )
            )
            session.add(dossier)
            session.flush()
            faults.point("submission.before_commit")
            return self._result(dossier, created=True)
