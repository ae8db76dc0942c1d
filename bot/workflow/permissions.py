"""Who may see which dossier and take which action on it: the one place officers' access is decided.

Seeing a dossier (listing it, opening it, downloading its attachments, declaration or result):
- the one-stop desk: the dossiers at the desk, i.e. held by the desk's department, those waiting for a
  citizen's supplement (the papers are brought to the counter) and every decided dossier (its result comes
  back through the desk);
- a specialist or a department's leader: the dossiers their department holds;
- the commune's chairman and the system administrator: every dossier.
Acting on a dossier is the table in states.py (roles and scope), checked by `refusal`; an officer never
acts on a dossier they may not see. Refusals carry a Vietnamese reason for the officer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.officers.accounts import ADMIN, CHAIRMAN, DESK, LEADER, SPECIALIST
from bot.workflow.states import (
    ASSIGNEE,
    DECIDED,
    DESK_OR_HOLDING_DEPARTMENT,
    DESK_STAGE,
    HOLDING_DEPARTMENT,
    RULES,
    SIGNING,
    STATUS_LABELS,
    SUBMITTED_FOR_SIGNATURE,
    SUPPLEMENT_REQUESTED,
    ActionRule,
)

SEES_EVERYTHING = frozenset({ADMIN, CHAIRMAN})
SEES_OWN_DEPARTMENT = frozenset({SPECIALIST, LEADER})
DESK_STATUSES = DECIDED | {SUPPLEMENT_REQUESTED}


class Actor(Protocol):
    id: int
    role: str
    department_id: int | None


@dataclass(frozen=True)
class DossierPosition:
    """Where a dossier stands, as far as permissions care."""

    status: str
    department_id: int | None
    officer_id: int | None


@dataclass(frozen=True)
class Visibility:
    """The dossiers an officer may see, in a form a database query can use: every dossier, or those held by
    one of `departments` or in one of `statuses` (both empty: none)."""

    everything: bool
    departments: frozenset[int] = frozenset()
    statuses: frozenset[str] = frozenset()


class WorkflowError(Exception):
    """An action that cannot be taken; `str(error)` is a Vietnamese sentence for the officer."""

    def __init__(self, message: str, kind: str = "invalid") -> None:
        super().__init__(message)
        self.kind = kind  # invalid (bad request) | forbidden | not_found | conflict


NOT_YOURS = "Hồ sơ này không thuộc phạm vi xử lý của anh/chị."


def visibility(actor: Actor) -> Visibility:
    if actor.role in SEES_EVERYTHING:
        return Visibility(everything=True)
    own = frozenset({actor.department_id}) if actor.department_id is not None else frozenset()
    if actor.role == DESK:
        return Visibility(everything=False, departments=own, statuses=DESK_STATUSES)
    if actor.role in SEES_OWN_DEPARTMENT:
        return Visibility(everything=False, departments=own)
    return Visibility(everything=False)


def can_see(position: DossierPosition, actor: Actor) -> bool:
    seen = visibility(actor)
    return (
        seen.everything
        or (position.department_id is not None and position.department_id in seen.departments)
        or position.status in seen.statuses
    )


def view_refusal(position: DossierPosition, actor: Actor) -> WorkflowError | None:
    return None if can_see(position, actor) else WorkflowError(NOT_YOURS, "forbidden")


def refusal(rule: ActionRule, position: DossierPosition, actor: Actor) -> WorkflowError | None:
    """None when `actor` may take `rule` on a dossier at `position`, else why not."""
    if not can_see(position, actor):
        return WorkflowError(NOT_YOURS, "forbidden")
    if position.status not in rule.sources:
        return WorkflowError(
            f"Không thể «{rule.label}» khi hồ sơ đang ở trạng thái «{STATUS_LABELS[position.status]}».",
            "conflict",
        )
    if actor.role == ADMIN:
        return None
    if actor.role not in rule.roles:
        return WorkflowError(f"Vai trò của anh/chị không được «{rule.label}».", "forbidden")
    if position.status == SUBMITTED_FOR_SIGNATURE and actor.role not in (LEADER, CHAIRMAN):
        return WorkflowError("Hồ sơ đang chờ lãnh đạo ký duyệt.", "forbidden")
    holds_it = actor.department_id is not None and actor.department_id == position.department_id
    if rule.scope == DESK_STAGE and actor.role != DESK:
        return WorkflowError("Việc này do Bộ phận Một cửa thực hiện.", "forbidden")
    if rule.scope == HOLDING_DEPARTMENT and not holds_it:
        return WorkflowError("Hồ sơ không thuộc phòng của anh/chị.", "forbidden")
    if rule.scope == DESK_OR_HOLDING_DEPARTMENT and not (holds_it or actor.role == DESK):
        return WorkflowError("Hồ sơ không thuộc phòng của anh/chị.", "forbidden")
    if rule.scope == SIGNING:
        if actor.role == CHAIRMAN and position.status != SUBMITTED_FOR_SIGNATURE:
            return WorkflowError("Chủ tịch UBND chỉ ký duyệt hồ sơ được trình ký.", "forbidden")
        if actor.role == LEADER and not holds_it:
            return WorkflowError("Lãnh đạo phòng chỉ ký duyệt hồ sơ của phòng mình.", "forbidden")
    if rule.scope == ASSIGNEE and actor.id != position.officer_id and not (holds_it and actor.role == LEADER):
        return WorkflowError("Hồ sơ được phân công cho chuyên viên khác.", "forbidden")
    return None


def allowed_actions(position: DossierPosition, actor: Actor) -> list[ActionRule]:
    return [rule for rule in RULES.values() if refusal(rule, position, actor) is None]
