"""Dossier states and the officer actions between them (Decree 61/2018 and 107/2021: one-stop desk →
specialist department → leader's signature → result returned).

This table is the whole state machine: an action is allowed from its `sources`, leads to `target`, and may be
taken by `roles`; `scope` says whose dossier it must be (see permissions.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.officers.accounts import ADMIN, CHAIRMAN, DESK, LEADER, SPECIALIST

RECEIVED = "received"
ACCEPTED = "accepted"
FORWARDED = "forwarded"
ASSIGNED = "assigned"
SUPPLEMENT_REQUESTED = "supplement_requested"
SUPPLEMENT_RECEIVED = "supplement_received"
SUBMITTED_FOR_SIGNATURE = "submitted_for_signature"
APPROVED = "approved"
REJECTED = "rejected"
RESULT_READY = "result_ready"
RETURNED = "returned"

STATUS_LABELS = {
    RECEIVED: "Mới nộp, chờ Bộ phận Một cửa kiểm tra",
    ACCEPTED: "Đã tiếp nhận tại Bộ phận Một cửa",
    FORWARDED: "Đã chuyển phòng chuyên môn",
    ASSIGNED: "Đang được chuyên viên thụ lý",
    SUPPLEMENT_REQUESTED: "Chờ công dân bổ sung hồ sơ",
    SUPPLEMENT_RECEIVED: "Đã nhận hồ sơ bổ sung, đang thụ lý",
    SUBMITTED_FOR_SIGNATURE: "Đang trình lãnh đạo ký duyệt",
    APPROVED: "Đã được lãnh đạo phê duyệt",
    REJECTED: "Bị từ chối giải quyết",
    RESULT_READY: "Đã có kết quả, chờ trả cho công dân",
    RETURNED: "Đã trả kết quả",
}
STATUSES = tuple(STATUS_LABELS)

# The result has been decided: the processing clock stops (completed_at is set).
DECIDED = frozenset({APPROVED, REJECTED, RESULT_READY, RETURNED})

# Whose dossier an officer must be acting on.
DESK_STAGE = "desk"  # any one-stop desk officer
HOLDING_DEPARTMENT = "department"  # an officer of the department that holds the dossier
DESK_OR_HOLDING_DEPARTMENT = "desk_or_department"  # the desk (papers come to the counter) or the holder
ASSIGNEE = "assignee"  # the officer it is assigned to (or a leader of the holding department)
SIGNING = "signing"  # the commune's chairman, or a leader of the holding department


@dataclass(frozen=True)
class ActionRule:
    name: str
    label: str  # the button an officer sees
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    scope: str
    needs_department: bool = False
    needs_officer: bool = False
    needs_note: str = ""  # why a note is required (shown when it is missing); "" when optional


def _rule(name, label, sources, target, roles, scope, **options) -> ActionRule:
    return ActionRule(name, label, frozenset(sources), target, frozenset(roles) | {ADMIN}, scope, **options)


RULES = {
    rule.name: rule
    for rule in (
        _rule("accept", "Tiếp nhận hồ sơ", {RECEIVED}, ACCEPTED, {DESK}, DESK_STAGE),
        _rule(
            "forward",
            "Chuyển phòng chuyên môn",
            {ACCEPTED},
            FORWARDED,
            {DESK},
            DESK_STAGE,
            needs_department=True,
        ),
        _rule(
            "assign",
            "Phân công chuyên viên",
            {FORWARDED, ASSIGNED},
            ASSIGNED,
            {LEADER, SPECIALIST},
            HOLDING_DEPARTMENT,
            needs_officer=True,
        ),
        _rule(
            "request_supplement",
            "Yêu cầu bổ sung hồ sơ",
            {RECEIVED, ACCEPTED, ASSIGNED, SUPPLEMENT_RECEIVED},
            SUPPLEMENT_REQUESTED,
            {DESK, SPECIALIST, LEADER},
            HOLDING_DEPARTMENT,
            needs_note="ghi rõ giấy tờ công dân cần bổ sung",
        ),
        _rule(
            "receive_supplement",
            "Đã nhận hồ sơ bổ sung",
            {SUPPLEMENT_REQUESTED},
            SUPPLEMENT_RECEIVED,
            {DESK, SPECIALIST, LEADER},
            DESK_OR_HOLDING_DEPARTMENT,
        ),
        _rule(
            "submit_for_signature",
            "Trình lãnh đạo ký",
            {ASSIGNED, SUPPLEMENT_RECEIVED},
            SUBMITTED_FOR_SIGNATURE,
            {SPECIALIST, LEADER},
            ASSIGNEE,
        ),
        _rule("approve", "Phê duyệt", {SUBMITTED_FOR_SIGNATURE}, APPROVED, {LEADER, CHAIRMAN}, SIGNING),
        _rule(
            "reject",
            "Từ chối giải quyết",
            {RECEIVED, ACCEPTED, SUBMITTED_FOR_SIGNATURE},
            REJECTED,
            {DESK, LEADER, CHAIRMAN},
            SIGNING,
            needs_note="ghi rõ lý do từ chối",
        ),
        _rule(
            "mark_result_ready", "Kết quả đã sẵn sàng", {APPROVED, REJECTED}, RESULT_READY, {DESK}, DESK_STAGE
        ),
        _rule("return_result", "Trả kết quả cho công dân", {RESULT_READY}, RETURNED, {DESK}, DESK_STAGE),
    )
}
ACTIONS = tuple(RULES)
