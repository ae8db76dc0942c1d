"""Departments and officer accounts: creation, updates, listing and password hashing (argon2).

Passwords are only ever handled in memory: they are hashed with argon2 and never stored or logged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Department, Officer, OfficerSession
from bot.db.times import optional_utc
from bot.officers.password_policy import DEFAULT_MIN_LENGTH, PasswordPolicy

DESK = "desk"
SPECIALIST = "specialist"
LEADER = "leader"
CHAIRMAN = "chairman"
ADMIN = "admin"
ANALYTICS = "analytics"  # reads the analytics page and citizens' feedback; handles no dossier
ROLES = (DESK, SPECIALIST, LEADER, CHAIRMAN, ADMIN, ANALYTICS)
ROLE_LABELS = {
    DESK: "Bộ phận Một cửa",
    SPECIALIST: "Chuyên viên phòng chuyên môn",
    LEADER: "Lãnh đạo phòng",
    CHAIRMAN: "Chủ tịch / Phó Chủ tịch UBND",
    ADMIN: "Quản trị hệ thống",
    ANALYTICS: "Phân tích, cải tiến trợ lý",
}
ROLES_NEEDING_DEPARTMENT = frozenset({DESK, SPECIALIST, LEADER})

MIN_PASSWORD_LENGTH = DEFAULT_MIN_LENGTH  # the default; DVC_PASSWORD_MIN_LENGTH changes it
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,64}")
DEPARTMENT_CODE_PATTERN = re.compile(r"[A-Z0-9_]{1,32}")
MAX_NAME_LENGTH = 200

# Production defaults (argon2id, RFC 9106 low-memory profile). Tests may replace this with a cheap hasher.
PASSWORD_HASHER = PasswordHasher()

Clock = Callable[[], datetime]


class AccountError(ValueError):
    """An account operation was refused; the message is meant for the operator (in Vietnamese)."""


def utc_clock() -> datetime:
    return datetime.now(timezone.utc)


# --- passwords -------------------------------------------------------------------------------------


def check_password_policy(password: str, username: str = "", policy: PasswordPolicy | None = None) -> None:
    """Refuse a new password that breaks the policy, naming every rule it breaks."""
    problems = (policy or PasswordPolicy()).problems(password, username)
    if problems:
        raise AccountError(" ".join(problems))


def hash_password(password: str) -> str:
    return PASSWORD_HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return PASSWORD_HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    try:
        return PASSWORD_HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


_dummy_hash: tuple[PasswordHasher, str] | None = None


def dummy_verify(password: str) -> None:
    """Spend the time of a real verification, so that an unknown username cannot be told by timing."""
    global _dummy_hash
    if _dummy_hash is None or _dummy_hash[0] is not PASSWORD_HASHER:
        _dummy_hash = (PASSWORD_HASHER, PASSWORD_HASHER.hash("dummy password, never valid"))
    verify_password(_dummy_hash[1], password)


# --- views -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentView:
    id: int
    code: str
    name: str
    officer_count: int


@dataclass(frozen=True)
class OfficerView:
    id: int
    username: str
    full_name: str
    title: str
    role: str
    role_label: str
    department_id: int | None
    department_code: str | None
    department_name: str | None
    is_active: bool
    locked_until: datetime | None
    must_change_password: bool


def officer_view(officer: Officer) -> OfficerView:
    department = officer.department
    return OfficerView(
        id=officer.id,
        username=officer.username,
        full_name=officer.full_name,
        title=officer.title or "",
        role=officer.role,
        role_label=ROLE_LABELS.get(officer.role, officer.role),
        department_id=officer.department_id,
        department_code=department.code if department else None,
        department_name=department.name if department else None,
        is_active=bool(officer.is_active),
        locked_until=optional_utc(officer.locked_until),
        must_change_password=bool(officer.must_change_password),
    )


# --- validation ------------------------------------------------------------------------------------


def normalize_username(username: str) -> str:
    normalized = (username or "").strip().lower()
    if not USERNAME_PATTERN.fullmatch(normalized):
        raise AccountError(
            f"Tên đăng nhập '{username}' không hợp lệ: 3–64 ký tự gồm chữ thường, chữ số và . _ -"
        )
    return normalized


def normalize_department_code(code: str) -> str:
    normalized = (code or "").strip().upper()
    if not DEPARTMENT_CODE_PATTERN.fullmatch(normalized):
        raise AccountError(
            f"Mã phòng ban '{code}' không hợp lệ: tối đa 32 ký tự gồm chữ in hoa, chữ số và dấu gạch dưới."
        )
    return normalized


def _clean_text(value: str, what: str, *, required: bool = True) -> str:
    cleaned = " ".join((value or "").split())
    if required and not cleaned:
        raise AccountError(f"{what} không được để trống.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise AccountError(f"{what} dài quá {MAX_NAME_LENGTH} ký tự.")
    return cleaned


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Vai trò '{role}' không hợp lệ; chọn một trong: {', '.join(ROLES)}.")
    return role


def close_sessions_of(session: Session, officer_id: int) -> int:
    """Delete every session of an officer, inside the caller's transaction; returns how many."""
    result = session.execute(delete(OfficerSession).where(OfficerSession.officer_id == officer_id))
    return result.rowcount or 0


# --- accounts --------------------------------------------------------------------------------------


class Accounts:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock = utc_clock,
        *,
        password_policy: PasswordPolicy | None = None,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self.password_policy = password_policy or PasswordPolicy()

    # departments

    def create_department(self, code: str, name: str) -> DepartmentView:
        code = normalize_department_code(code)
        name = _clean_text(name, "Tên phòng ban")
        try:
            with self._sessions() as session, session.begin():
                if self._find_department(session, code) is not None:
                    raise AccountError(f"Mã phòng ban '{code}' đã tồn tại.")
                department = Department(code=code, name=name)
                session.add(department)
                session.flush()
                return DepartmentView(department.id, department.code, department.name, 0)
        except IntegrityError as error:
            raise AccountError(f"Mã phòng ban '{code}' đã tồn tại.") from error

    def rename_department(self, code: str, name: str) -> DepartmentView:
        name = _clean_text(name, "Tên phòng ban")
        with self._sessions() as session, session.begin():
            department = self._department(session, code)
            department.name = name
            return self._department_view(session, department)

    def list_departments(self) -> list[DepartmentView]:
        with self._sessions() as session:
            counts = dict(
                session.execute(
                    select(Officer.department_id, func.count(Officer.id)).group_by(Officer.department_id)
                ).all()
            )
            departments = session.execute(select(Department).order_by(Department.code)).scalars()
            return [DepartmentView(d.id, d.code, d.name, counts.get(d.id, 0)) for d in departments]

    # officers

    def create_officer(
        self,
        username: str,
        full_name: str,
        role: str,
        password: str,
        department_code: str | None = None,
        title: str = "",
        *,
        must_change_password: bool = True,
    ) -> OfficerView:
        """A new account. Its password was chosen by someone else (an admin, the demo seed), so by default
        the officer must replace it at first sign-in; False only where the officer chose it themselves."""
        username = normalize_username(username)
        full_name = _clean_text(full_name, "Họ tên")
        title = _clean_text(title, "Chức danh", required=False)
        _check_role(role)
        check_password_policy(password, username, self.password_policy)
        password_hash = hash_password(password)
        try:
            with self._sessions() as session, session.begin():
                if self._find_officer(session, username) is not None:
                    raise AccountError(f"Tên đăng nhập '{username}' đã tồn tại.")
                department = self._department(session, department_code) if department_code else None
                self._check_department_for_role(role, department)
                officer = Officer(
                    username=username,
                    full_name=full_name,
                    title=title,
                    role=role,
                    department=department,
                    password_hash=password_hash,
                    is_active=True,
                    created_at=self._clock(),
                    failed_logins=0,
                    must_change_password=must_change_password,
                )
                session.add(officer)
                session.flush()
                return officer_view(officer)
        except IntegrityError as error:
            raise AccountError(f"Tên đăng nhập '{username}' đã tồn tại.") from error

    def update_officer(
        self,
        username: str,
        *,
        full_name: str | None = None,
        title: str | None = None,
        role: str | None = None,
        department_code: str | None = None,
        is_active: bool | None = None,
    ) -> OfficerView:
        """Change the given fields; None leaves a field as it is, department_code="" removes the
        department (only an admin may have none). Deactivating an officer closes all their sessions."""
        with self._sessions() as session, session.begin():
            officer = self._officer(session, username)
            was_active_admin = officer.role == ADMIN and officer.is_active
            if full_name is not None:
                officer.full_name = _clean_text(full_name, "Họ tên")
            if title is not None:
                officer.title = _clean_text(title, "Chức danh", required=False)
            if role is not None:
                officer.role = _check_role(role)
            if department_code is not None:
                officer.department = self._department(session, department_code) if department_code else None
            self._check_department_for_role(officer.role, officer.department)
            if is_active is not None:
                officer.is_active = is_active
                if not is_active:
                    close_sessions_of(session, officer.id)
            if was_active_admin and not (officer.role == ADMIN and officer.is_active):
                self._keep_an_admin(session, officer)
            session.flush()
            return officer_view(officer)

    def set_password(self, username: str, password: str, *, must_change_password: bool = True) -> OfficerView:
        """Reset the password (an admin's doing: the officer must change it at next sign-in), clear the
        lockout and close every open session of the officer."""
        check_password_policy(password, (username or "").strip().lower(), self.password_policy)
        password_hash = hash_password(password)
        with self._sessions() as session, session.begin():
            officer = self._officer(session, username)
            officer.password_hash = password_hash
            officer.failed_logins = 0
            officer.locked_until = None
            officer.must_change_password = must_change_password
            close_sessions_of(session, officer.id)
            session.flush()
            return officer_view(officer)

    def unlock_officer(self, username: str) -> OfficerView:
        with self._sessions() as session, session.begin():
            officer = self._officer(session, username)
            officer.failed_logins = 0
            officer.locked_until = None
            session.flush()
            return officer_view(officer)

    def list_officers(self, department_code: str | None = None) -> list[OfficerView]:
        with self._sessions() as session:
            query = select(Officer).order_by(Officer.username)
            if department_code:
                query = query.where(Officer.department_id == self._department(session, department_code).id)
            return [officer_view(officer) for officer in session.execute(query).scalars()]

    def get_officer(self, username: str) -> OfficerView | None:
        with self._sessions() as session:
            officer = self._find_officer(session, (username or "").strip().lower())
            return officer_view(officer) if officer else None

    def get_officer_by_id(self, officer_id: int) -> OfficerView | None:
        with self._sessions() as session:
            officer = session.get(Officer, officer_id)
            return officer_view(officer) if officer else None

    # helpers

    @staticmethod
    def _find_department(session: Session, code: str) -> Department | None:
        return session.execute(select(Department).where(Department.code == code)).scalar_one_or_none()

    def _department(self, session: Session, code: str) -> Department:
        code = normalize_department_code(code)
        department = self._find_department(session, code)
        if department is None:
            raise AccountError(f"Không có phòng ban mã '{code}'.")
        return department

    @staticmethod
    def _department_view(session: Session, department: Department) -> DepartmentView:
        count = session.execute(
            select(func.count(Officer.id)).where(Officer.department_id == department.id)
        ).scalar_one()
        return DepartmentView(department.id, department.code, department.name, count)

    @staticmethod
    def _find_officer(session: Session, username: str) -> Officer | None:
        return session.execute(select(Officer).where(Officer.username == username)).scalar_one_or_none()

    def _officer(self, session: Session, username: str) -> Officer:
        officer = self._find_officer(session, (username or "").strip().lower())
        if officer is None:
            raise AccountError(f"Không có cán bộ với tên đăng nhập '{username}'.")
        return officer

    @staticmethod
    def _keep_an_admin(session: Session, leaving: Officer) -> None:
        """Without an active admin nobody could manage officers in the back-office any more."""
        others = session.execute(
            select(func.count(Officer.id)).where(
                Officer.role == ADMIN, Officer.is_active.is_(True), Officer.id != leaving.id
            )
        ).scalar_one()
        if others == 0:
            raise AccountError(
                f"'{leaving.username}' là quản trị viên duy nhất còn hoạt động; "
                "hãy tạo hoặc kích hoạt một quản trị viên khác trước."
            )

    @staticmethod
    def _check_department_for_role(role: str, department: Department | None) -> None:
        if role in ROLES_NEEDING_DEPARTMENT and department is None:
            raise AccountError(f"Vai trò '{ROLE_LABELS[role]}' phải thuộc một phòng ban.")
