"""Departments and officer accounts on a real SQLite database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from bot.db.models import Officer
from bot.db.session import session_factory, upgrade_schema
from bot.officers import accounts
from bot.officers.accounts import (
    ADMIN,
    ANALYTICS,
    CHAIRMAN,
    DESK,
    LEADER,
    ROLE_LABELS,
    ROLES,
    SPECIALIST,
    AccountError,
    Accounts,
    hash_password,
    verify_password,
)
from bot.officers.password_policy import PasswordPolicy

NOW = datetime(2025, 11, 24, 2, 0, tzinfo=timezone.utc)
PASSWORD = "mat-khau-an-toan-2025"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    return session_factory(url)


@pytest.fixture
def registry(sessions) -> Accounts:
    registry = Accounts(sessions, clock=lambda: NOW)
    registry.create_department("MOT_CUA", "Bộ phận Một cửa")
    registry.create_department("TU_PHAP", "Tư pháp - Hộ tịch")
    return registry


def stored_officer(sessions, username: str) -> Officer:
    with sessions() as session:
        return session.execute(select(Officer).where(Officer.username == username)).scalar_one()


def test_roles_and_vietnamese_labels():
    assert ROLES == (DESK, SPECIALIST, LEADER, CHAIRMAN, ADMIN, ANALYTICS)
    assert ROLES == ("desk", "specialist", "leader", "chairman", "admin", "analytics")
    assert ROLE_LABELS == {
        "desk": "Bộ phận Một cửa",
        "specialist": "Chuyên viên phòng chuyên môn",
        "leader": "Lãnh đạo phòng",
        "chairman": "Chủ tịch / Phó Chủ tịch UBND",
        "admin": "Quản trị hệ thống",
        "analytics": "Phân tích, cải tiến trợ lý",
    }
    assert issubclass(AccountError, ValueError)


def test_password_hash_is_argon2_and_verifies_only_the_right_password():
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "x")
    assert not verify_password("not a hash", PASSWORD)


def test_departments_are_listed_by_code_with_officer_counts(registry):
    registry.create_officer("lan", "Trần Thị Lan", DESK, PASSWORD, department_code="MOT_CUA")
    registry.create_officer("binh", "Lê Văn Bình", SPECIALIST, PASSWORD, department_code="TU_PHAP")
    registry.create_officer("hoa", "Phạm Thị Hoa", LEADER, PASSWORD, department_code="TU_PHAP")
    listed = {d.code: (d.name, d.officer_count) for d in registry.list_departments()}
    assert listed == {"MOT_CUA": ("Bộ phận Một cửa", 1), "TU_PHAP": ("Tư pháp - Hộ tịch", 2)}
    assert [d.code for d in registry.list_departments()] == ["MOT_CUA", "TU_PHAP"]


def test_department_code_is_normalised_and_validated(registry):
    created = registry.create_department(" dia_chinh ", "Địa chính - Xây dựng")
    assert (created.code, created.officer_count) == ("DIA_CHINH", 0)
    for bad in ("", "ĐỊA", "A-B", "A B", "X" * 33):
        with pytest.raises(AccountError):
            registry.create_department(bad, "Tên")
    with pytest.raises(AccountError, match="đã tồn tại"):
        registry.create_department("TU_PHAP", "Khác")
    with pytest.raises(AccountError):
        registry.create_department("VAN_HOA", "   ")


def test_rename_department(registry):
    renamed = registry.rename_department("TU_PHAP", "Tư pháp")
    assert renamed.name == "Tư pháp"
    assert {d.code: d.name for d in registry.list_departments()}["TU_PHAP"] == "Tư pháp"
    with pytest.raises(AccountError):
        registry.rename_department("KHONG_CO", "x")


def test_create_officer_stores_only_a_password_hash(registry, sessions):
    view = registry.create_officer(
        "An.Nguyen", "Nguyễn Văn An", SPECIALIST, PASSWORD, department_code="TU_PHAP", title="Công chức"
    )
    assert view.username == "an.nguyen"
    assert (view.role, view.role_label, view.title) == (
        SPECIALIST,
        "Chuyên viên phòng chuyên môn",
        "Công chức",
    )
    assert (view.department_code, view.department_name) == ("TU_PHAP", "Tư pháp - Hộ tịch")
    assert view.is_active and view.locked_until is None
    stored = stored_officer(sessions, "an.nguyen")
    assert PASSWORD not in stored.password_hash and verify_password(stored.password_hash, PASSWORD)
    assert stored.failed_logins == 0
    assert registry.get_officer("AN.NGUYEN") == view == registry.get_officer_by_id(view.id)


@pytest.mark.parametrize("username", ["ab", "có_dấu", "a b", "x" * 65, "a/b", ""])
def test_invalid_usernames_are_refused(registry, username):
    with pytest.raises(AccountError):
        registry.create_officer(username, "Tên", ADMIN, PASSWORD)
    assert registry.list_officers() == []


def test_duplicate_username_is_refused(registry):
    registry.create_officer("lan", "Trần Thị Lan", DESK, PASSWORD, department_code="MOT_CUA")
    with pytest.raises(AccountError, match="lan"):
        registry.create_officer("LAN", "Người khác", ADMIN, PASSWORD)
    assert len(registry.list_officers()) == 1


def test_role_must_be_known_and_non_admins_need_a_department(registry):
    with pytest.raises(AccountError):
        registry.create_officer("lan", "Lan", "superuser", PASSWORD, department_code="MOT_CUA")
    for role in (DESK, SPECIALIST, LEADER):
        with pytest.raises(AccountError, match="phòng ban"):
            registry.create_officer(f"user.{role}", "Tên", role, PASSWORD)
    with pytest.raises(AccountError, match="KHONG_CO"):
        registry.create_officer("lan", "Lan", DESK, PASSWORD, department_code="KHONG_CO")
    admin = registry.create_officer("admin", "Quản trị", ADMIN, PASSWORD)
    assert admin.department_id is None and admin.role_label == "Quản trị hệ thống"
    assert [o.username for o in registry.list_officers()] == ["admin"]


def test_a_password_against_the_policy_is_refused(registry):
    with pytest.raises(AccountError, match="ít nhất 12 ký tự"):
        registry.create_officer("lan", "Lan", DESK, "hoa-sen-123", department_code="MOT_CUA")
    with pytest.raises(AccountError, match="tên đăng nhập"):
        registry.create_officer("lan", "Lan", DESK, "lan-hoa-sen-2025", department_code="MOT_CUA")
    assert registry.get_officer("lan") is None
    registry.create_officer("lan", "Lan", DESK, "hoa-sen-2025", department_code="MOT_CUA")
    with pytest.raises(AccountError, match="chữ cái và chữ số"):
        registry.set_password("lan", "hoa-sen-trong-dam")
    with pytest.raises(AccountError, match="tên đăng nhập"):
        registry.set_password("LAN", "Lan-hoa-sen-2025")


def test_the_minimum_length_is_configurable(sessions):
    registry = Accounts(sessions, clock=lambda: NOW, password_policy=PasswordPolicy(min_length=16))
    with pytest.raises(AccountError, match="ít nhất 16 ký tự"):
        registry.create_officer("admin", "Quản trị", ADMIN, "hoa-sen-2025")
    assert registry.create_officer("admin", "Quản trị", ADMIN, "hoa-sen-trong-dam-2025").username == "admin"


def test_an_account_made_for_someone_else_must_change_its_password(registry, sessions):
    lan = registry.create_officer("lan", "Lan", DESK, PASSWORD, department_code="MOT_CUA")
    assert lan.must_change_password and stored_officer(sessions, "lan").must_change_password
    own = registry.create_officer(
        "binh", "Bình", SPECIALIST, PASSWORD, department_code="TU_PHAP", must_change_password=False
    )
    assert not own.must_change_password
    assert registry.set_password("binh", "mat-khau-moi-2025").must_change_password  # an admin's reset


def test_update_officer_changes_only_the_given_fields(registry):
    registry.create_officer("binh", "Lê Văn Bình", SPECIALIST, PASSWORD, department_code="TU_PHAP")
    updated = registry.update_officer("binh", title="Phó trưởng phòng", role=LEADER)
    assert (updated.full_name, updated.title, updated.role) == ("Lê Văn Bình", "Phó trưởng phòng", LEADER)
    moved = registry.update_officer("binh", department_code="MOT_CUA", full_name="Lê Bình")
    assert (moved.department_code, moved.full_name, moved.role) == ("MOT_CUA", "Lê Bình", LEADER)
    assert not registry.update_officer("binh", is_active=False).is_active
    assert registry.update_officer("binh", is_active=True).is_active


def test_update_officer_keeps_the_department_rule(registry):
    registry.create_officer("admin", "Quản trị", ADMIN, PASSWORD)
    registry.create_officer("binh", "Bình", SPECIALIST, PASSWORD, department_code="TU_PHAP")
    with pytest.raises(AccountError):
        registry.update_officer("admin", role=DESK)
    with pytest.raises(AccountError):
        registry.update_officer("binh", department_code="")
    with pytest.raises(AccountError):
        registry.update_officer("binh", role="boss")
    with pytest.raises(AccountError):
        registry.update_officer("nobody", title="x")
    assert registry.get_officer("binh").department_code == "TU_PHAP"
    registry.create_officer("admin2", "Quản trị 2", ADMIN, PASSWORD)
    assert registry.update_officer("admin", role=DESK, department_code="MOT_CUA").role == DESK


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(registry):
    registry.create_officer("admin", "Quản trị", ADMIN, PASSWORD)
    registry.create_officer("binh", "Bình", SPECIALIST, PASSWORD, department_code="TU_PHAP")
    with pytest.raises(AccountError, match="quản trị viên duy nhất"):
        registry.update_officer("admin", is_active=False)
    with pytest.raises(AccountError, match="quản trị viên duy nhất"):
        registry.update_officer("admin", role=DESK, department_code="MOT_CUA")
    unchanged = registry.get_officer("admin")
    assert (unchanged.role, unchanged.is_active) == (ADMIN, True)

    registry.create_officer("admin2", "Quản trị 2", ADMIN, PASSWORD)
    registry.update_officer("admin2", is_active=False)  # an inactive admin does not count
    with pytest.raises(AccountError):
        registry.update_officer("admin", is_active=False)
    registry.update_officer("admin2", is_active=True)
    assert not registry.update_officer("admin", is_active=False).is_active
    with pytest.raises(AccountError, match="quản trị viên duy nhất"):
        registry.update_officer("admin2", role=LEADER, department_code="TU_PHAP")
    assert registry.update_officer("binh", is_active=False).is_active is False  # others are unaffected


def test_set_password_replaces_the_hash_and_clears_the_lockout(registry, sessions):
    registry.create_officer("lan", "Lan", DESK, PASSWORD, department_code="MOT_CUA")
    with sessions() as session, session.begin():
        officer = session.execute(select(Officer).where(Officer.username == "lan")).scalar_one()
        officer.failed_logins, officer.locked_until = 3, NOW + timedelta(minutes=10)
    assert registry.get_officer("lan").locked_until == NOW + timedelta(minutes=10)
    view = registry.set_password("lan", "mat-khau-moi-2025")
    assert view.locked_until is None
    stored = stored_officer(sessions, "lan")
    assert stored.failed_logins == 0
    assert verify_password(stored.password_hash, "mat-khau-moi-2025")
    assert not verify_password(stored.password_hash, PASSWORD)


def test_list_officers_by_department(registry):
    registry.create_officer("lan", "Lan", DESK, PASSWORD, department_code="MOT_CUA")
    registry.create_officer("binh", "Bình", SPECIALIST, PASSWORD, department_code="TU_PHAP")
    registry.create_officer("admin", "Quản trị", ADMIN, PASSWORD)
    assert [o.username for o in registry.list_officers()] == ["admin", "binh", "lan"]
    assert [o.username for o in registry.list_officers("TU_PHAP")] == ["binh"]
    with pytest.raises(AccountError):
        registry.list_officers("KHONG_CO")
    assert registry.get_officer("nobody") is None and registry.get_officer_by_id(999) is None
