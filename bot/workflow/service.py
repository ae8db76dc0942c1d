"""Move dossiers through the workflow and read them back for officers and citizens.

Every action happens in one transaction: the dossier's new state, a timeline event and the citizen's
notification in the outbox are committed together or not at all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from itertools import islice

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from bot.calendar.working_days import WorkingCalendar
from bot.db.models import Department, Dossier, DossierEvent, Officer
from bot.db.times import as_utc, optional_utc
from bot.dossiers import delivery
from bot.dossiers.delivery import ResultDelivery
from bot.dossiers.submission import ONE_STOP_DESK
from bot.feedback.models import DOSSIER
from bot.notifications.outbox import notification_for
from bot.officers import audit
from bot.officers.accounts import ADMIN, DESK, LEADER, SPECIALIST
from bot.workflow.citizen_messages import change_message
from bot.workflow.clock import restarted_due_at, timing
from bot.workflow.permissions import (
    Actor,
    DossierPosition,
    WorkflowError,
    allowed_actions,
    refusal,
    view_refusal,
)
from bot.workflow.states import (
    APPROVED,
    DECIDED,
    RECEIVED,
    RESULT_READY,
    RETURNED,
    RULES,
    STATUS_LABELS,
    SUPPLEMENT_RECEIVED,
    SUPPLEMENT_REQUESTED,
    ActionRule,
)
from bot.workflow.views import DepartmentRef, DossierFilter, DossierView, OfficerRef, TimelineEntry

SUBMIT_LABEL = "Công dân nộp hồ sơ"
# Timeline events that are not officers' actions (bot/payments writes the fee ones).
EVENT_LABELS = {
    "submit": SUBMIT_LABEL,
    "fee_paid": "Đã nộp lệ phí",
    "fee_paid_twice": "Thu trùng lệ phí (cần hoàn tiền)",
    "change_delivery": "Đổi hình thức nhận kết quả",
}
CHANGE_DELIVERY = "change_delivery"
MARK_RESULT_READY = "mark_result_ready"


def _department(row: Department | None) -> DepartmentRef | None:
    return DepartmentRef(row.id, row.code, row.name) if row else None


def _officer(row: Officer | None) -> OfficerRef | None:
    return OfficerRef(row.id, row.username, row.full_name, row.title or "") if row else None


class WorkflowService:
    def __init__(
        self,
        session_factory: sessionmaker,
        calendar: WorkingCalendar,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        delivery: ResultDelivery | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.calendar = calendar
        self.clock = clock
        self.delivery = delivery  # how results reach citizens; None: the generic "come to the desk" text

    # Reading ---------------------------------------------------------------------------------------

    def get(self, code: str) -> DossierView | None:
        with self.session_factory() as session:
            dossier = session.execute(self._query().where(Dossier.code == code)).unique().scalar_one_or_none()
            return None if dossier is None else self._view(session, dossier, with_timeline=True)

    def open_for(self, code: str, officer: audit.Reader, purpose: str, detail: str = "") -> DossierView:
        """The dossier as `officer` may see it, with the read written to the audit log in the same
        transaction; a refusal is written too, then raised (WorkflowError forbidden / not_found)."""
        with self.session_factory() as session, session.begin():
            dossier = session.execute(self._query().where(Dossier.code == code)).unique().scalar_one_or_none()
            if dossier is None:
                problem: WorkflowError | None = WorkflowError(f"Không tìm thấy hồ sơ {code}.", "not_found")
            else:
                position = DossierPosition(dossier.status, dossier.department_id, dossier.officer_id)
                problem = view_refusal(position, officer)
            if problem is None or problem.kind == "forbidden":
                allowed = problem is None
                audit.AuditLog.record_in(session, officer, purpose, code, detail, allowed, self.clock())
            view = self._view(session, dossier, with_timeline=True) if problem is None else None
        if problem is not None:
            raise problem
        return view

    def list(self, filters: DossierFilter | None = None, limit: int = 200) -> list[DossierView]:
        """Newest first; the overdue filter is applied on the working-day clock, not in SQL."""
        filters = filters or DossierFilter()
        query = self._query().order_by(Dossier.received_at.desc(), Dossier.id.desc())
        if filters.status:
            query = query.where(Dossier.status == filters.status)
        if filters.procedure_code:
            query = query.where(Dossier.procedure_code == filters.procedure_code)
        if filters.department_id is not None:
            query = query.where(Dossier.department_id == filters.department_id)
        if filters.phone_hash is not None:
            query = query.where(Dossier.phone_hash == filters.phone_hash)
        if filters.sender_id is not None:
            query = query.where(Dossier.sender_id == filters.sender_id)
        if filters.channel is not None:
            query = query.where(Dossier.channel == filters.channel)
        if filters.visible is not None and not filters.visible.everything:
            seen = filters.visible
            conditions = []
            if seen.departments:
                conditions.append(Dossier.department_id.in_(seen.departments))
            if seen.statuses:
                conditions.append(Dossier.status.in_(seen.statuses))
            query = query.where(or_(*conditions) if conditions else false())
        with self.session_factory() as session:
            views = (self._view(session, row) for row in session.execute(query).unique().scalars())
            if filters.overdue is not None:
                views = (view for view in views if self._is_overdue(view) == filters.overdue)
            return list(islice(views, limit))

    @staticmethod
    def _is_overdue(view: DossierView) -> bool:
        return view.timing.is_late and not view.timing.finished

    def allowed(self, view: DossierView, actor: Actor) -> list[ActionRule]:
        return allowed_actions(view.position, actor)

    # Acting ----------------------------------------------------------------------------------------

    def perform(
        self,
        code: str,
        action: str,
        actor: Actor,
        *,
        department: int | str | None = None,
        officer: int | str | None = None,
        note: str = "",
    ) -> DossierView:
        """Take `action` on the dossier as `actor`; raises WorkflowError with a reason otherwise."""
        rule = RULES.get(action)
        if rule is None:
            raise WorkflowError(f"Không có thao tác «{action}». Các thao tác: {', '.join(RULES)}.")
        note = (note or "").strip()
        if rule.needs_note and not note:
            raise WorkflowError(f"Vui lòng {rule.needs_note}.")
        now = self.clock()
        with self.session_factory() as session, session.begin():
            dossier = session.execute(
                select(Dossier).where(Dossier.code == code).with_for_update()
            ).scalar_one_or_none()
            if dossier is None:
                raise WorkflowError(f"Không tìm thấy hồ sơ {code}.", "not_found")
            position = DossierPosition(dossier.status, dossier.department_id, dossier.officer_id)
            problem = refusal(rule, position, actor)
            if problem is not None:
                raise problem
            approved = position.status == APPROVED
            if rule.name == MARK_RESULT_READY and self.delivery is not None:
                reason = self.delivery.refusal(code, dossier.form_data or {}, note, approved)
                if reason:
                    raise WorkflowError(reason)
            self._apply(session, dossier, rule, actor, department, officer, note, now)
            event = DossierEvent(
                action=rule.name,
                from_status=position.status,
                to_status=dossier.status,
                officer_id=actor.id,
                department_id=dossier.department_id,
                note=note,
                created_at=now,
            )
            dossier.events.append(event)
            session.flush()
            view = self._view(session, dossier, with_timeline=True)
            session.add(
                notification_for(
                    dossier,
                    change_message(view, rule, note, self._ready_detail(dossier, rule, note, approved)),
                    now,
                    rate=f"{DOSSIER}|{dossier.code}" if dossier.status == RETURNED else "",
                )
            )
            return view

    def _ready_detail(self, dossier: Dossier, rule: ActionRule, note: str, approved: bool) -> str | None:
        if rule.name != MARK_RESULT_READY or self.delivery is None:
            return None
        unpaid = dossier.fee_amount if dossier.fee_amount and dossier.fee_paid_at is None else None
        return self.delivery.ready_message(dossier.code, dossier.form_data or {}, note, approved, unpaid)

    def change_delivery(self, code: str, actor: Actor, choice: str, address: str = "") -> DossierView:
        """An officer changes how the result comes back (the citizen asked at the desk or by phone)."""
        if actor.role not in (DESK, ADMIN):
            raise WorkflowError("Chỉ Bộ phận Một cửa đổi hình thức nhận kết quả.", "forbidden")
        now = self.clock()
        with self.session_factory() as session, session.begin():
            dossier = session.execute(
                select(Dossier).where(Dossier.code == code).with_for_update()
            ).scalar_one_or_none()
            if dossier is None:
                raise WorkflowError(f"Không tìm thấy hồ sơ {code}.", "not_found")
            hidden = view_refusal(DossierPosition(dossier.status, dossier.department_id, None), actor)
            if hidden is not None:
                raise hidden
            problem = delivery.validate_change(choice, address)
            if problem:
                raise WorkflowError(problem)
            if dossier.status in (RESULT_READY, RETURNED):
                raise WorkflowError("Kết quả đã được báo cho công dân; không đổi hình thức nhận được nữa.")
            data = {
                key: value
                for key, value in (dossier.form_data or {}).items()
                if key != delivery.ADDRESS_FIELD
            }
            data[delivery.FIELD] = choice
            if choice == delivery.BY_POST:
                data[delivery.ADDRESS_FIELD] = address.strip()
            dossier.form_data = data
            where = f" ({address.strip()})" if choice == delivery.BY_POST else ""
            dossier.events.append(
                DossierEvent(
                    action=CHANGE_DELIVERY,
                    from_status=dossier.status,
                    to_status=dossier.status,
                    officer_id=actor.id,
                    department_id=dossier.department_id,
                    note=f"{choice}{where}",
                    created_at=now,
                )
            )
            session.flush()
            view = self._view(session, dossier, with_timeline=True)
            session.add(
                notification_for(
                    dossier, delivery.CHANGED.format(code=dossier.code, choice=choice, address=where), now
                )
            )
            return view

    def _apply(
        self,
        session: Session,
        dossier: Dossier,
        rule: ActionRule,
        actor: Actor,
        department: int | str | None,
        officer: int | str | None,
        note: str,
        now: datetime,
    ) -> None:
        if rule.needs_department:
            target = self._find_department(session, department)
            if target.id == dossier.department_id:
                raise WorkflowError("Hồ sơ đang ở chính phòng này; vui lòng chọn phòng chuyên môn khác.")
            dossier.department_id = target.id
            dossier.officer_id = None
        if rule.needs_officer:
            dossier.officer_id = self._assignee(session, dossier, actor, officer).id
        if rule.target == SUPPLEMENT_REQUESTED:
            dossier.clock_paused_at = now
            dossier.supplement_request = note
        if rule.target == SUPPLEMENT_RECEIVED:
            dossier.clock_paused_at = None
            dossier.supplement_request = ""
            if dossier.time_limit_days:
                dossier.due_at = restarted_due_at(now, dossier.time_limit_days, self.calendar)
            holder = session.get(Department, dossier.department_id) if dossier.department_id else None
            if holder is None or holder.code == ONE_STOP_DESK[0]:
                dossier.status = RECEIVED  # asked for by the desk before acceptance: the desk checks it again
                return
        if rule.target in DECIDED and dossier.completed_at is None:
            dossier.completed_at = now
        dossier.status = rule.target

    @staticmethod
    def _find_department(session: Session, reference: int | str | None) -> Department:
        if reference is None or str(reference).strip() == "":
            raise WorkflowError("Vui lòng chọn phòng chuyên môn nhận hồ sơ.")
        text = str(reference).strip()
        query = select(Department).where(
            Department.id == int(text) if text.isdigit() else Department.code == text.upper()
        )
        found = session.execute(query).scalar_one_or_none()
        if found is None:
            raise WorkflowError(f"Không có phòng chuyên môn «{text}».")
        return found

    @staticmethod
    def _assignee(session: Session, dossier: Dossier, actor: Actor, reference: int | str | None) -> Officer:
        text = str(reference).strip() if reference is not None else ""
        if not text:
            if actor.role != SPECIALIST:
                raise WorkflowError("Vui lòng chọn chuyên viên thụ lý.")
            text = str(actor.id)
        query = select(Officer).where(Officer.id == int(text) if text.isdigit() else Officer.username == text)
        chosen = session.execute(query).scalar_one_or_none()
        if chosen is None or not chosen.is_active:
            raise WorkflowError(f"Không có cán bộ «{text}» đang hoạt động.")
        if chosen.department_id != dossier.department_id or chosen.role not in (SPECIALIST, LEADER):
            raise WorkflowError("Chỉ phân công cho chuyên viên của phòng đang giữ hồ sơ.")
        if actor.role == SPECIALIST and chosen.id != actor.id:
            raise WorkflowError(
                "Chuyên viên chỉ tự nhận hồ sơ; phân công người khác do lãnh đạo phòng thực hiện."
            )
        return chosen

    # Views -----------------------------------------------------------------------------------------

    @staticmethod
    def _query():
        return select(Dossier).options(joinedload(Dossier.events))

    def _view(self, session: Session, dossier: Dossier, with_timeline: bool = False) -> DossierView:
        department = session.get(Department, dossier.department_id) if dossier.department_id else None
        officer = session.get(Officer, dossier.officer_id) if dossier.officer_id else None
        return DossierView(
            code=dossier.code,
            procedure_code=dossier.procedure_code,
            procedure_name=dossier.procedure_name,
            status=dossier.status,
            channel=dossier.channel,
            sender_id=dossier.sender_id,
            applicant_name=dossier.applicant_name,
            phone_hash=dossier.phone_hash,
            department=_department(department),
            officer=_officer(officer),
            received_at=as_utc(dossier.received_at),
            due_at=as_utc(dossier.due_at) if dossier.due_at else None,
            timing=timing(
                due_at=dossier.due_at,
                completed_at=dossier.completed_at,
                clock_paused_at=dossier.clock_paused_at,
                now=self.clock(),
                calendar=self.calendar,
            ),
            supplement_request=dossier.supplement_request or "",
            fee_amount=dossier.fee_amount,
            fee_paid=dossier.fee_paid_at is not None,
            fee_receipt=next((e.note for e in reversed(dossier.events) if e.action == "fee_paid"), ""),
            answers=dict(dossier.form_data or {}),
            attachments=tuple(dossier.attachments or ()),
            timeline=tuple(self._timeline(session, dossier.events)) if with_timeline else (),
            consent_version=dossier.consent_version or "",
            consent_at=optional_utc(dossier.consent_at),
            personal_data_erased_at=optional_utc(dossier.personal_data_erased_at),
        )

    @staticmethod
    def _timeline(session: Session, events: Iterable[DossierEvent]) -> Iterable[TimelineEntry]:
        for event in events:
            officer = session.get(Officer, event.officer_id) if event.officer_id else None
            department = session.get(Department, event.department_id) if event.department_id else None
            rule = RULES.get(event.action)
            yield TimelineEntry(
                at=as_utc(event.created_at),
                action=event.action,
                action_label=rule.label if rule else EVENT_LABELS.get(event.action, event.action),
                to_status=event.to_status,
                status_label=STATUS_LABELS.get(event.to_status, event.to_status),
                officer_name=_officer(officer).display_name if officer else "",
                department_name=department.name if department else "",
                note=event.note or "",
            )
