"""The account administration CLI, run in-process against a SQLite database in tmp_path."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from argon2 import PasswordHasher

from backoffice.cli import main
from bot.db.session import session_factory
from bot.officers import accounts
from bot.officers.accounts import Accounts
from bot.officers.authentication import AccountLockedError, Authenticator, InvalidCredentialsError
from bot.settings import PROJECT_ROOT

ENV_PASSWORD = "mat-khau-tu-env-2025"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def database_url(tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DVC_NEW_OFFICER_PASSWORD", ENV_PASSWORD)
    return url


@pytest.fixture
def registry(database_url) -> Accounts:
    assert main(["create-department", "MOT_CUA", "Bộ phận Một cửa"]) == 0
    return Accounts(session_factory(database_url))


@pytest.fixture
def auth(database_url, registry) -> Authenticator:
    return Authenticator(session_factory(database_url))


def create_lan(*extra: str) -> int:
    officer = [
        "--username",
        "lan",
        "--full-name",
        "Trần Thị Lan",
        "--role",
        "desk",
        "--department",
        "MOT_CUA",
    ]
    return main(["create-officer", *officer, *extra])


def test_create_department_and_list_departments(database_url, capsys):
    assert main(["create-department", "TU_PHAP", "Tư pháp - Hộ tịch"]) == 0
    assert capsys.readouterr().out.strip() == "created department TU_PHAP: Tư pháp - Hộ tịch"
    assert main(["list-departments"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["CODE", "OFFICERS", "NAME"]
    assert lines[1].split(maxsplit=2) == ["TU_PHAP", "0", "Tư pháp - Hộ tịch"]


def test_duplicate_department_is_a_one_line_error(registry, capsys):
    capsys.readouterr()
    assert main(["create-department", "MOT_CUA", "Khác"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and "MOT_CUA" in captured.err
    assert captured.err.count("\n") == 1


def test_create_officer_with_the_password_from_the_environment(registry, auth, capsys):
    assert create_lan("--title", "Công chức một cửa") == 0
    assert capsys.readouterr().out.strip().startswith("created officer lan")
    officer = auth.authenticate("lan", ENV_PASSWORD)
    assert (officer.full_name, officer.title, officer.department_code) == (
        "Trần Thị Lan",
        "Công chức một cửa",
        "MOT_CUA",
    )


def test_create_officer_with_the_password_from_stdin(registry, auth, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("mat-khau-tu-stdin-2025\nignored second line\n"))
    assert create_lan("--password-stdin") == 0
    auth.authenticate("lan", "mat-khau-tu-stdin-2025")
    with pytest.raises(InvalidCredentialsError):
        auth.authenticate("lan", ENV_PASSWORD)


def test_password_is_never_an_argument(registry, capsys):
    assert create_lan("--password", "mat-khau-123") == 2
    assert "unrecognized arguments" in capsys.readouterr().err
    assert registry.get_officer("lan") is None


def test_without_any_password_source_nothing_is_created(registry, monkeypatch, capsys):
    monkeypatch.delenv("DVC_NEW_OFFICER_PASSWORD")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal: no prompt
    assert create_lan() == 1
    assert "no password" in capsys.readouterr().err
    assert registry.get_officer("lan") is None


def test_create_officer_errors(registry, capsys):
    assert create_lan() == 0
    capsys.readouterr()
    assert create_lan() == 1
    assert capsys.readouterr().err.startswith("error: ")
    args = ["create-officer", "--username", "binh", "--full-name", "Bình", "--role", "specialist"]
    assert main(args) == 1  # no department
    assert main([*args, "--department", "KHONG_CO"]) == 1
    assert main(["create-officer", "--username", "binh", "--full-name", "Bình", "--role", "boss"]) == 2
    assert [o.username for o in registry.list_officers()] == ["lan"]


def test_short_password_is_refused(registry, monkeypatch, capsys):
    monkeypatch.setenv("DVC_NEW_OFFICER_PASSWORD", "short")
    assert create_lan() == 1
    assert "ít nhất 12 ký tự" in capsys.readouterr().err
    assert registry.get_officer("lan") is None


def test_set_password_replaces_it_and_closes_sessions(registry, auth, monkeypatch, capsys):
    create_lan()
    lan_id = registry.get_officer("lan").id
    token = auth.open_session(lan_id, "web").token
    monkeypatch.setattr(sys, "stdin", io.StringIO("mat-khau-moi-2025\n"))
    assert main(["set-password", "lan", "--password-stdin"]) == 0
    assert "password changed for lan" in capsys.readouterr().out
    assert auth.session_for_token(token, "web") is None
    auth.authenticate("lan", "mat-khau-moi-2025")
    with pytest.raises(InvalidCredentialsError):
        auth.authenticate("lan", ENV_PASSWORD)
    assert main(["set-password", "nobody"]) == 1
    assert "nobody" in capsys.readouterr().err


def test_deactivate_activate_and_unlock(registry, auth, capsys):
    create_lan()
    token = auth.open_session(registry.get_officer("lan").id, "api").token
    assert main(["deactivate-officer", "lan"]) == 0
    assert not registry.get_officer("lan").is_active
    assert auth.session_for_token(token, "api") is None
    with pytest.raises(InvalidCredentialsError):
        auth.authenticate("lan", ENV_PASSWORD)
    assert main(["activate-officer", "lan"]) == 0
    assert registry.get_officer("lan").is_active
    for _ in range(4):
        with pytest.raises(InvalidCredentialsError):
            auth.authenticate("lan", "wrong password")
    with pytest.raises(AccountLockedError):
        auth.authenticate("lan", "wrong password")
    capsys.readouterr()
    assert main(["list-officers"]) == 0
    assert "locked until" in capsys.readouterr().out
    assert main(["unlock-officer", "lan"]) == 0
    assert capsys.readouterr().out.strip() == "unlocked lan"
    assert auth.authenticate("lan", ENV_PASSWORD).username == "lan"
    assert main(["deactivate-officer", "nobody"]) == 1


def test_list_officers_by_department(registry, capsys):
    main(["create-department", "TU_PHAP", "Tư pháp - Hộ tịch"])
    create_lan()
    binh = [
        "--username",
        "binh",
        "--full-name",
        "Lê Văn Bình",
        "--role",
        "specialist",
        "--department",
        "TU_PHAP",
    ]
    main(["create-officer", *binh])
    main(["create-officer", "--username", "admin", "--full-name", "Quản trị", "--role", "admin"])
    capsys.readouterr()
    assert main(["list-officers"]) == 0
    rows = [line.split()[:4] for line in capsys.readouterr().out.splitlines()[1:]]
    assert rows == [
        ["admin", "admin", "-", "active"],
        ["binh", "specialist", "TU_PHAP", "active"],
        ["lan", "desk", "MOT_CUA", "active"],
    ]
    assert main(["list-officers", "--department", "TU_PHAP"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["binh"]
    assert main(["list-departments"]) == 0
    counts = {line.split()[0]: line.split()[1] for line in capsys.readouterr().out.splitlines()[1:]}
    assert counts == {"MOT_CUA": "1", "TU_PHAP": "1"}


def test_runs_as_a_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-m", "backoffice.cli"]
    run = subprocess.run(
        [*command, "list-departments"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert (run.returncode, run.stdout.strip(), run.stderr) == (0, "no departments", "")
    Accounts(session_factory(url)).create_department("TU_PHAP", "Tư pháp - Hộ tịch")
    run = subprocess.run(
        [*command, "list-departments"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0 and "TU_PHAP" in run.stdout and "Tư pháp - Hộ tịch" in run.stdout
    run = subprocess.run(
        [*command, "no-such-command"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2 and "invalid choice" in run.stderr


def test_the_last_admin_is_not_deactivated(registry, capsys):
    admin = ["--username", "admin", "--full-name", "Quản trị", "--role", "admin"]
    assert main(["create-officer", *admin]) == 0
    capsys.readouterr()
    assert main(["deactivate-officer", "admin"]) == 1
    assert "quản trị viên duy nhất" in capsys.readouterr().err
    assert registry.get_officer("admin").is_active


def test_set_role_makes_the_commune_leader_a_chairman(registry, capsys):
    main(["create-department", "LANH_DAO", "Lãnh đạo UBND xã"])
    create_lan()
    assert main(["set-role", "lan", "chairman", "--department", "LANH_DAO"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "lan is now chairman in LANH_DAO"
    assert registry.get_officer("lan").role == "chairman"
    assert main(["set-role", "lan", "mayor"]) != 0  # not a role
    assert "invalid choice" in capsys.readouterr().err
    assert main(["set-role", "nobody", "desk"]) == 1


def test_accounts_made_or_reset_from_the_command_line_must_change_their_password(
    registry, auth, monkeypatch, capsys
):
    assert create_lan() == 0
    assert "must change the password at first sign-in" in capsys.readouterr().out
    assert registry.get_officer("lan").must_change_password
    token = auth.open_session(registry.get_officer("lan").id, "web").token
    auth.change_password(
        auth.session_for_token(token, "web").session_id, ENV_PASSWORD, "hoa-sen-trong-dam-2026"
    )
    assert not registry.get_officer("lan").must_change_password
    monkeypatch.setattr(sys, "stdin", io.StringIO("mat-khau-moi-2025\n"))
    assert main(["set-password", "lan", "--password-stdin"]) == 0
    assert registry.get_officer("lan").must_change_password


def test_the_minimum_length_comes_from_the_settings(registry, monkeypatch, capsys):
    monkeypatch.setenv("DVC_PASSWORD_MIN_LENGTH", "24")
    assert create_lan() == 1
    assert "ít nhất 24 ký tự" in capsys.readouterr().err
