"""What the workflow gives back to read: a dossier as officers and citizens see it, and list filters.

Plain values, apart from the service that builds them, so that what describes a dossier (the citizen's
messages, the fee, the back-office pages) can use them without importing the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.workflow.clock import Timing
from bot.workflow.permissions import DossierPosition, Visibility
from bot.workflow.states import STATUS_LABELS


@dataclass(frozen=True)
class DepartmentRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class OfficerRef:
    id: int
    username: str
    full_name: str
    title: str

    @property
    def display_name(self) -> str:
        return f"{self.full_name} ({self.title})" if self.title else self.full_name


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    action_label: str
    to_status: str
    status_label: str
    officer_name: str
    department_name: str
    note: str


@dataclass(frozen=True)
class DossierView:
    code: str
    procedure_code: str
    procedure_name: str
    status: str
    channel: str
    sender_id: str
    applicant_name: str
    phone_hash: str
    department: DepartmentRef | None
    officer: OfficerRef | None
    received_at: datetime
    due_at: datetime | None
    timing: Timing
    supplement_request: str
    fee_amount: int | None
    fee_paid: bool
    fee_receipt: str = ""  # how the fee was paid ("… qua VNPay (mã giao dịch …, lúc …)"), when paid online
    answers: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[dict[str, Any], ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    consent_version: str = ""  # the consent notice the citizen agreed to ("" when not recorded)
    consent_at: datetime | None = None
    personal_data_erased_at: datetime | None = None  # the retention job anonymised its personal fields

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def position(self) -> DossierPosition:
        return DossierPosition(
            self.status,
            self.department.id if self.department else None,
            self.officer.id if self.officer else None,
        )


@dataclass(frozen=True)
class DossierFilter:
    status: str | None = None
    procedure_code: str | None = None
    department_id: int | None = None
    overdue: bool | None = None
    phone_hash: str | None = None
    sender_id: str | None = None
    channel: str | None = None
    visible: Visibility | None = None  # an officer's list: only the dossiers they may see
