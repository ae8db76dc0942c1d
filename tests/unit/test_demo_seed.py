"""The demo seed: idempotent, officers who can sign in, dossiers in the intended states."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from backoffice import __main__ as backoffice_main
from backoffice.seed import DEMO_CHANNEL, DEPARTMENTS, OFFICERS, seed_demo
from bot.db.models import Department, Dossier, DossierEvent, Notification, Officer
from bot.db.session import session_factory
from bot.officers import accounts
from bot.officers.accounts import AccountError, Accounts
from bot.services import Services, services
from bot.settings import load_settings, refusals
from tests.unit.conftest import PASSWORD


def counts(services: Services) -> dict[str, int]:
    with services.sessions() as session:
        return {
            model.__name__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Department, Officer, Dossier, DossierEvent, Notification)
        }


def test_seeding_twice_gives_the_same_data(blank_services):
    first = seed_demo(blank_services, PASSWORD)
    after_first = counts(blank_services)
    second = seed_demo(blank_services, PASSWORD)
    assert len(first.departments_created) == 6 and len(first.officers_created) == 7
    assert len(first.dossiers_created) == 5
    assert second.departments_created == second.officers_created == second.dossiers_created == []
    assert counts(blank_services) == after_first
    assert after_first["Department"] == 6 and after_first["Officer"] == 7 and after_first["Dossier"] == 5


def test_existing_one_stop_desk_is_reused(blank_services):
    blank_services.accounts.create_department("MOT_CUA", "Bộ phận Một cửa")
    report = seed_demo(blank_services, PASSWORD)
    assert "MOT_CUA" not in report.departments_created
    assert [d.code for d in blank_services.accounts.list_departments()].count("MOT_CUA") == 1
    assert {code for code, _ in DEPARTMENTS} == {d.code for d in blank_services.accounts.list_departments()}


def test_every_demo_officer_can_sign_in(blank_services):
    seed_demo(blank_services, PASSWORD)
    for username, full_name, role, department, title in OFFICERS:
        officer = blank_services.authenticator.authenticate(username, PASSWORD)
        assert (officer.full_name, officer.role, officer.department_code, officer.title) == (
            full_name,
            role,
            department,
            title,
        )
    assert blank_services.accounts.get_officer("motcua").title == "Công chức Bộ phận Một cửa"
    assert blank_services.accounts.get_officer("chutich").title == "Chủ tịch UBND xã"


def test_demo_dossiers_are_in_the_intended_states(blank_services):
    report = seed_demo(blank_services, PASSWORD)
    views = [blank_services.workflow.get(code) for code in report.dossiers_created]
    assert [view.status for view in views] == [
        "received",
        "forwarded",
        "assigned",
        "supplement_requested",
        "returned",
    ]
    assert {view.channel for view in views} == {DEMO_CHANNEL}
    assert [view.sender_id for view in views] == [f"demo-{n}" for n in range(1, 6)]
    assert views[1].department.code == "TU_PHAP" and views[1].officer is None
    assert views[2].officer.username == "tuphap"
    assert views[3].timing.paused and views[3].supplement_request
    assert views[4].timing.finished
    assert len({view.phone_hash for view in views}) == 5 and all(len(v.phone_hash) >= 32 for v in views)
    assert len({view.procedure_code for view in views}) >= 2
    for view in views:
        form = blank_services.forms[view.procedure_code]
        assert {field.name for field in form.fields if field.required} <= set(view.answers)


def test_a_short_password_is_refused(blank_services):
    with pytest.raises(AccountError):
        seed_demo(blank_services, "short")


def test_seed_demo_command_needs_the_password_variable(monkeypatch, capsys):
    monkeypatch.delenv("DVC_DEMO_PASSWORD", raising=False)
    assert backoffice_main.main(["seed-demo"]) == 1
    monkeypatch.setenv("DVC_DEMO_PASSWORD", "short")
    assert backoffice_main.main(["seed-demo"]) == 1
    assert "DVC_DEMO_PASSWORD" in capsys.readouterr().err


def test_production_refuses_to_let_the_demo_officers_keep_the_password(monkeypatch, capsys):
    monkeypatch.setenv("DVC_DEMO_PASSWORD", PASSWORD)
    monkeypatch.setenv("DVC_DEMO_SKIP_PASSWORD_CHANGE", "1")
    monkeypatch.setenv("DVC_PROFILE", "production")
    assert any("DVC_DEMO_SKIP_PASSWORD_CHANGE" in problem for problem in refusals(load_settings()))
    assert backoffice_main.main(["seed-demo"]) == 2  # before the database is touched
    assert "DVC_DEMO_SKIP_PASSWORD_CHANGE" in capsys.readouterr().err
    monkeypatch.setenv("DVC_PROFILE", "development")
    assert not any("DVC_DEMO_SKIP_PASSWORD_CHANGE" in problem for problem in refusals(load_settings()))


def test_in_development_the_seed_command_can_leave_the_demo_password_in_place(tmp_path, monkeypatch):
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    monkeypatch.setenv("DVC_OTP_SECRET", "s" * 40)
    monkeypatch.setenv("DVC_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DVC_PROFILE", "development")
    monkeypatch.setenv("DVC_DEMO_PASSWORD", PASSWORD)
    monkeypatch.setenv("DVC_DEMO_SKIP_PASSWORD_CHANGE", "1")
    services.cache_clear()
    try:
        assert backoffice_main.main(["seed-demo"]) == 0
    finally:
        services.cache_clear()
    officers = Accounts(session_factory(f"sqlite:///{tmp_path / 'dvc.db'}")).list_officers()
    assert len(officers) == len(OFFICERS) and not any(o.must_change_password for o in officers)


def test_other_arguments_go_to_the_account_commands(monkeypatch, capsys):
    assert backoffice_main.main(["--help"]) == 0
    assert "create-officer" in capsys.readouterr().out
