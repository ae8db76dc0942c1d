"""Alembic migrations create the schema the models describe, on a fresh SQLite database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from bot.db.models import Base, Department, Dossier, DossierEvent
from bot.db.session import session_factory, upgrade_schema


def test_migrations_build_the_models_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    engine = session_factory(url)().get_bind()
    assert {"departments", "officers", "dossiers", "dossier_events", "alembic_version"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "models changed without a migration: run `alembic revision --autogenerate`"


def test_upgrade_is_idempotent_and_data_survives(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    with session_factory(url)() as session, session.begin():
        desk = Department(code="MOT_CUA", name="Bộ phận Một cửa")
        session.add(desk)
        session.flush()
        dossier = Dossier(
            code="000.00.12.H23-251122-0001",
            idempotency_key="k1",
            procedure_code="1.001193",
            procedure_name="Đăng ký khai sinh",
            status="received",
            channel="rest",
            sender_id="s1",
            applicant_name="Nguyễn Văn A",
            phone_hash="h",
            form_data={"ho_ten": "Nguyễn Văn A"},
            department_id=desk.id,
        )
        dossier.events.append(DossierEvent(action="submit", to_status="received", department_id=desk.id))
        session.add(dossier)
    upgrade_schema(url)
    with session_factory(url)() as session:
        stored = session.execute(select(Dossier)).scalar_one()
        assert stored.form_data == {"ho_ten": "Nguyễn Văn A"}
        assert [event.to_status for event in stored.events] == ["received"]
