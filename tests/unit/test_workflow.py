"""The dossier state machine: transitions, roles and departments, the working-day clock, the outbox."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.calendar.working_days import WorkingCalendar
from bot.db.models import Department, Dossier, DossierEvent, Notification, Officer
from bot.db.session import session_factory, upgrade_schema
from bot.dossiers.submission import DossierService
from bot.settings import DEMO_AGENCY_CODE
from bot.workflow.permissions import DossierPosition, WorkflowError, allowed_actions
from bot.workflow.service import WorkflowService
from bot.workflow.states import (
    ACCEPTED,
    APPROVED,
    ASSIGNED,
    FORWARDED,
    RECEIVED,
    REJECTED,
    RESULT_READY,
    RETURNED,
    SUBMITTED_FOR_SIGNATURE,
    SUPPLEMENT_RECEIVED,
    SUPPLEMENT_REQUESTED,
)
from bot.workflow.views import DossierFilter
from tests.unit.dossier_fixtures import BIRTH, FORM, Clock

CALENDAR = WorkingCalendar()


@pytest.fixture
def world(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    sessions = session_factory(url)
    clock = Clock()
    people = {}
    with sessions() as session, session.begin():
        departments = {
            code: Department(code=code, name=name)
            for code, name in [
                ("MOT_CUA", "Bộ phận Một cửa"),
                ("TU_PHAP", "Tư pháp - Hộ tịch"),
                ("VHXH", "Văn hóa - Xã hội"),
                ("LANH_DAO", "Lãnh đạo UBND xã"),
            ]
        }
        session.add_all(departments.values())
        session.flush()
        for username, role, department, title in [
            ("motcua", "desk", "MOT_CUA", "Công chức Một cửa"),
            ("tuphap1", "specialist", "TU_PHAP", "Công chức Tư pháp"),
            ("tuphap2", "specialist", "TU_PHAP", ""),
            ("truongtp", "leader", "TU_PHAP", "Trưởng phòng"),
            ("vhxh1", "specialist", "VHXH", ""),
            ("truongvh", "leader", "VHXH", "Trưởng phòng"),
            ("chutich", "chairman", "LANH_DAO", "Chủ tịch UBND xã"),
            ("admin", "admin", None, ""),
        ]:
            officer = Officer(
                username=username,
                full_name=f"Cán bộ {username}",
                title=title,
                role=role,
                department_id=departments[department].id if department else None,
                password_hash="x",
            )
            session.add(officer)
            session.flush()
            people[username] = officer
    submission = DossierService(sessions, CALENDAR, clock=clock, agency_code=DEMO_AGENCY_CODE)
    code = submission.submit(
        form=FORM,
        procedure=BIRTH,
        answers={"applicant_full_name": "Nguyễn Văn An", "applicant_phone": "0912345678"},
        channel="rest",
        sender_id="citizen-1",
        phone_hash="h",
        idempotency_key="k",
    ).code
    return WorkflowService(sessions, CALENDAR, clock=clock), sessions, clock, people, code


def counts(sessions) -> tuple[int, int]:
    with sessions() as session:
        events = session.execute(select(func.count()).select_from(DossierEvent)).scalar_one()
        notes = session.execute(select(func.count()).select_from(Notification)).scalar_one()
        return events, notes


def test_the_whole_way_from_desk_to_result(world):
    workflow, sessions, clock, people, code = world
    steps = [
        ("accept", "motcua", {}, ACCEPTED),
        ("forward", "motcua", {"department": "TU_PHAP"}, FORWARDED),
        ("assign", "truongtp", {"officer": "tuphap1"}, ASSIGNED),
        ("submit_for_signature", "tuphap1", {}, SUBMITTED_FOR_SIGNATURE),
        ("approve", "chutich", {}, APPROVED),
        ("mark_result_ready", "motcua", {}, RESULT_READY),
        ("return_result", "motcua", {}, RETURNED),
    ]
    for action, who, options, expected in steps:
        clock.now += timedelta(hours=1)
        view = workflow.perform(code, action, people[who], **options)
        assert view.status == expected
    assert [entry.action for entry in view.timeline] == ["submit"] + [step[0] for step in steps]
    assert view.timeline[3].officer_name == "Cán bộ truongtp (Trưởng phòng)"
    assert view.timeline[2].department_name == "Tư pháp - Hộ tịch"
    assert view.timing.finished and not view.timing.is_late
    with sessions() as session:
        texts = session.execute(select(Notification.text).order_by(Notification.id)).scalars().all()
        rates = session.execute(select(Notification.rate).order_by(Notification.id)).scalars().all()
        dossier = session.execute(select(Dossier)).scalar_one()
    # Only the result's return asks the citizen to rate the finished dossier.
    assert rates == [""] * 6 + [f"dossier|{code}"]
    assert dossier.completed_at is not None
    assert len(texts) == 7 and all(code in text and "1.001193" in text for text in texts)
    assert "Tư pháp - Hộ tịch" in texts[1]
    assert "Cán bộ Cán bộ tuphap1 (Công chức Tư pháp) đang thụ lý" in texts[2]


def test_an_invalid_transition_is_refused_and_nothing_is_written(world):
    workflow, sessions, _, people, code = world
    before = counts(sessions)
    with pytest.raises(WorkflowError) as refused:
        workflow.perform(code, "approve", people["chutich"])
    assert refused.value.kind == "conflict" and "Mới nộp" in str(refused.value)
    assert counts(sessions) == before
    assert workflow.get(code).status == RECEIVED


@pytest.mark.parametrize(
    ("who", "action", "options", "kind"),
    [
        ("tuphap1", "accept", {}, "forbidden"),  # the desk accepts, not a specialist
        ("chutich", "forward", {"department": "TU_PHAP"}, "conflict"),  # not accepted yet
        ("motcua", "frobnicate", {}, "invalid"),
    ],
)
def test_roles_and_unknown_actions(world, who, action, options, kind):
    workflow, _, _, people, code = world
    with pytest.raises(WorkflowError) as refused:
        workflow.perform(code, action, people[who], **options)
    assert refused.value.kind == kind


def test_forward_needs_a_real_other_department(world):
    workflow, _, _, people, code = world
    workflow.perform(code, "accept", people["motcua"])
    for department in (None, "NOPE", "MOT_CUA"):
        with pytest.raises(WorkflowError):
            workflow.perform(code, "forward", people["motcua"], department=department)
    with world[1]() as session:  # the API names departments by id
        department_id = session.execute(select(Department.id).where(Department.code == "VHXH")).scalar_one()
    view = workflow.perform(code, "forward", people["motcua"], department=str(department_id))
    assert view.department.code == "VHXH" and view.officer is None


def forwarded(world):
    workflow, _, _, people, code = world
    workflow.perform(code, "accept", people["motcua"])
    workflow.perform(code, "forward", people["motcua"], department="TU_PHAP")


def test_only_the_holding_department_assigns(world):
    workflow, _, _, people, code = world
    forwarded(world)
    with pytest.raises(WorkflowError, match="không thuộc phạm vi"):
        workflow.perform(code, "assign", people["vhxh1"])
    with pytest.raises(WorkflowError, match="chỉ tự nhận"):
        workflow.perform(code, "assign", people["tuphap1"], officer="tuphap2")
    with pytest.raises(WorkflowError, match="phòng đang giữ"):
        workflow.perform(code, "assign", people["truongtp"], officer="vhxh1")
    view = workflow.perform(code, "assign", people["tuphap1"])  # a specialist takes it on
    assert view.officer.username == "tuphap1"


def test_only_the_assignee_or_their_leader_submits_for_signature(world):
    workflow, _, _, people, code = world
    forwarded(world)
    workflow.perform(code, "assign", people["truongtp"], officer="tuphap1")
    with pytest.raises(WorkflowError, match="chuyên viên khác"):
        workflow.perform(code, "submit_for_signature", people["tuphap2"])
    signed = workflow.perform(code, "submit_for_signature", people["truongtp"])
    assert signed.status == SUBMITTED_FOR_SIGNATURE
    with pytest.raises(WorkflowError, match="không thuộc phạm vi"):  # the desk does not see it at this stage
        workflow.perform(code, "reject", people["motcua"], note="Thiếu giấy tờ")
    with pytest.raises(WorkflowError, match="không thuộc phạm vi"):  # another department's leader
        workflow.perform(code, "approve", people["truongvh"])
    with pytest.raises(WorkflowError, match="lý do"):
        workflow.perform(code, "reject", people["chutich"], note="  ")
    view = workflow.perform(code, "reject", people["chutich"], note="Người yêu cầu không đủ điều kiện")
    assert view.status == REJECTED and view.timing.finished
    assert "Lý do: Người yêu cầu không đủ điều kiện" in latest_notification(world)


def latest_notification(world) -> str:
    with world[1]() as session:
        return session.execute(
            select(Notification.text).order_by(Notification.id.desc()).limit(1)
        ).scalar_one()


def test_a_supplement_pauses_the_clock_and_restarts_it_in_full(world):
    workflow, _, clock, people, code = world
    forwarded(world)
    workflow.perform(code, "assign", people["tuphap1"])
    assert workflow.get(code).timing.due_date == date(2026, 11, 25)  # Friday + 3 working days
    with pytest.raises(WorkflowError, match="giấy tờ"):
        workflow.perform(code, "request_supplement", people["tuphap1"])
    view = workflow.perform(code, "request_supplement", people["tuphap1"], note="Bản sao giấy chứng sinh")
    assert view.status == SUPPLEMENT_REQUESTED and view.supplement_request == "Bản sao giấy chứng sinh"
    assert "Bản sao giấy chứng sinh" in latest_notification(world)
    clock.now = datetime(2026, 12, 1, 3, tzinfo=timezone.utc)  # long past the due date, but paused
    paused = workflow.get(code).timing
    assert paused.paused and not paused.is_late
    view = workflow.perform(code, "receive_supplement", people["motcua"])
    assert view.status == SUPPLEMENT_RECEIVED and view.supplement_request == ""
    assert view.timing.due_date == date(2026, 12, 4)  # Tuesday + 3 working days
    assert view.timing.remaining_working_days == 3
    assert "04/12/2026" in latest_notification(world)
    signed = workflow.perform(code, "submit_for_signature", people["tuphap1"])
    assert signed.status == SUBMITTED_FOR_SIGNATURE


def test_a_supplement_asked_by_the_desk_goes_back_to_the_desk_check(world):
    workflow, _, _, people, code = world
    workflow.perform(code, "request_supplement", people["motcua"], note="Ảnh CCCD rõ nét")
    view = workflow.perform(code, "receive_supplement", people["motcua"])
    assert view.status == RECEIVED and view.department.code == "MOT_CUA"
    assert workflow.perform(code, "accept", people["motcua"]).status == ACCEPTED


def test_overdue_counts_working_days_and_filters(world):
    workflow, _, clock, people, code = world
    clock.now = datetime(2026, 11, 30, 3, tzinfo=timezone.utc)  # Monday after a Wednesday due date
    view = workflow.get(code)
    assert view.timing.is_late and view.timing.late_working_days == 3  # Thu, Fri, Mon
    assert [v.code for v in workflow.list(DossierFilter(overdue=True))] == [code]
    assert workflow.list(DossierFilter(overdue=False)) == []
    assert workflow.list(DossierFilter(status=ACCEPTED)) == []
    assert [v.code for v in workflow.list(DossierFilter(procedure_code="1.001193"))] == [code]
    # Decided late stays late by the working days at decision time.
    for action, who, options in [
        ("accept", "motcua", {}),
        ("forward", "motcua", {"department": "TU_PHAP"}),
        ("assign", "tuphap1", {}),
        ("submit_for_signature", "tuphap1", {}),
        ("approve", "chutich", {}),
    ]:
        workflow.perform(code, action, people[who], **options)
    clock.now = datetime(2026, 12, 10, 3, tzinfo=timezone.utc)
    decided = workflow.get(code).timing
    assert decided.finished and decided.late_working_days == 3
    assert workflow.list(DossierFilter(overdue=True)) == []


def test_admin_may_take_any_valid_step(world):
    workflow, _, _, people, code = world
    admin = people["admin"]
    workflow.perform(code, "accept", admin)
    workflow.perform(code, "forward", admin, department="VHXH")
    assert workflow.perform(code, "assign", admin, officer="vhxh1").officer.username == "vhxh1"
    with pytest.raises(WorkflowError):
        workflow.perform(code, "return_result", admin)  # still not a valid transition


def test_allowed_actions_follow_role_and_department(world):
    _, _, _, people, _ = world
    desk_id = people["motcua"].department_id
    at_desk = DossierPosition(RECEIVED, desk_id, None)
    assert [rule.name for rule in allowed_actions(at_desk, people["motcua"])] == [
        "accept",
        "request_supplement",
        "reject",
    ]
    assert allowed_actions(at_desk, people["tuphap1"]) == []
    signing = DossierPosition(SUBMITTED_FOR_SIGNATURE, people["tuphap1"].department_id, people["tuphap1"].id)
    assert {rule.name for rule in allowed_actions(signing, people["chutich"])} == {"approve", "reject"}
    assert allowed_actions(signing, people["tuphap1"]) == []


def test_citizen_status_lists_holder_officer_and_what_to_do(world):
    from bot.workflow.citizen_messages import status_message

    workflow, _, clock, people, code = world
    forwarded(world)
    workflow.perform(code, "assign", people["truongtp"], officer="tuphap1")
    text = status_message(workflow.get(code))
    assert "Tư pháp - Hộ tịch" in text and "Cán bộ tuphap1 (Công chức Tư pháp)" in text
    assert "25/11/2026" in text and "còn trong hạn" in text and "nộp phí, lệ phí 8.000 đồng" in text
    clock.now = datetime(2026, 11, 27, 3, tzinfo=timezone.utc)
    assert "đã trễ hạn 2 ngày làm việc" in status_message(workflow.get(code))
