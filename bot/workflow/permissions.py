"""Who may take which action on which dossier. Refusals carry a Vietnamese reason for the officer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.officers.accounts import ADMIN, DESK, LEADER
from bot.workflow.states import (
    ASSIGNEE,
    DESK_STAGE,
    HOLDING_DEPARTMENT,
    RULES,
    STATUS_LABELS,
    SUBMITTED_FOR_SIGNATURE,
    ActionRule,
)


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


class WorkflowError(Exception):
    """An action that cannot be taken; `str(error)` is a Vietnamese sentence for the officer."""

    def __init__(self, message: str, kind: str = "invalid") -> None:
        super().__init__(message)
        self.kind = kind  # invalid (bad request) | forbidden | not_found | conflict


def refusal(rule: ActionRule, position: DossierPosition, actor: Actor) -> WorkflowError | None:
    """None when `actor` may take `rule` on a dossier at `position`, else why not."""
    if position.status not in rule.sources:
        return WorkflowError(
            f"Không thể «{rule.label}» khi hồ sơ đang ở trạng thái «{STATUS_LABELS[position.status]}».",
            "conflict",
        )
    if actor.role == ADMIN:
        return None
    if actor.role not in rule.roles:
        return WorkflowError(f"Vai trò của anh/chị không được «{rule.label}».", "forbidden")
    if position.status == SUBMITTED_FOR_SIGNATURE and actor.role != LEADER:
        return WorkflowError("Hồ sơ đang chờ lãnh đạo ký duyệt.", "forbidden")
    if rule.scope == DESK_STAGE and actor.role != DESK:
        return WorkflowError("Việc này do Bộ phận Một cửa thực hiện.", "forbidden")
    holds_it = actor.department_id is not None and actor.department_id == position.department_id
    if rule.scope == HOLDING_DEPARTMENT and not holds_it:
        return WorkflowError("Hồ sơ không thuộc phòng của anh/chị.", "forbidden")
    if rule.scope == ASSIGNEE and actor.id != position.officer_id and not (holds_it and actor.role == LEADER):
        return WorkflowError("Hồ sơ được phân công cho chuyên viên khác.", "forbidden")
    return None


def allowed_actions(position: DossierPosition, actor: Actor) -> list[ActionRule]:
    return [rule for rule in RULES.values() if refusal(rule, position, actor) is None]
