"""A dossier's own records (attachments, estimated due date, fee as told) live in columns, not in the answers.

Migration 0008 moves them out of dossiers created before it, where they were "_" keys inside form_data;
officers' pages and API then show only the citizen's answers, and the filing still reads them back.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import select

from backoffice.seed import seed_demo
from bot.db.models import Dossier
from bot.db.session import session_factory
from bot.forms.definitions import FieldSpec, FormSpec
from bot.services import Services
from bot.settings import PROJECT_ROOT, load_settings
from tests.unit.conftest import PASSWORD, run_app
from tests.unit.test_backoffice_api import token_for
from tests.unit.test_officer_pages import login

BEFORE = "0007_audit_log"
LEGACY_CODE = "000.00.12.H23-261120-0001"
ANSWERS = {
    "applicant_full_name": "Nguyễn Văn An",
    "applicant_phone": "0912345678",
    "result_delivery": "Nhận trực tuyến",
}
LEGACY_FORM_DATA = {
    **ANSWERS,
    "_attachments": [{"upload_id": "u-legacy-1", "filename": "giay-chung-sinh.pdf"}],
    "_due_is_estimate": True,
    "_fee_text": "8.000 đồng (theo danh mục)",
}


def alembic(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


def legacy_database(tmp_path) -> str:
    """A database as it was before 0008, with one dossier written the old way and one without any "_" key."""
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    command.upgrade(alembic(url), BEFORE)
    dossiers = sa.table(
        "dossiers",
        *(
            sa.column(name)
            for name in (
                "code", "idempotency_key", "procedure_code", "procedure_name", "status", "channel",
                "sender_id", "applicant_name", "phone_hash", "received_at", "updated_at",
            )
        ),
        sa.column("form_data", sa.JSON),
        sa.column("department_id"),
    )  # fmt: skip
    now = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
    common = {
        "procedure_code": "1.001193",
        "procedure_name": "Thủ tục đăng ký khai sinh",
        "status": "received",
        "channel": "rest",
        "sender_id": "owner",
        "applicant_name": "Nguyễn Văn An",
        "phone_hash": "h",
        "received_at": now,
        "updated_at": now,
    }
    engine = session_factory(url)().get_bind()
    with engine.begin() as connection:
        desk = connection.execute(
            sa.text("INSERT INTO departments (code, name) VALUES ('MOT_CUA', 'Bộ phận Một cửa')")
        ).lastrowid
        common["department_id"] = desk  # at the one-stop desk, where officers of the desk see it
        connection.execute(
            dossiers.insert(),
            [
                {**common, "code": LEGACY_CODE, "idempotency_key": "legacy-1", "form_data": LEGACY_FORM_DATA},
                {
                    **common,
                    "code": LEGACY_CODE[:-1] + "2",
                    "idempotency_key": "legacy-2",
                    "form_data": ANSWERS,
                },
            ],
        )
    return url


def stored(url: str) -> dict[str, Dossier]:
    with session_factory(url)() as session:
        return {dossier.code: dossier for dossier in session.execute(select(Dossier)).scalars()}


def test_the_migration_moves_the_records_out_of_the_answers_and_back(tmp_path):
    url = legacy_database(tmp_path)
    command.upgrade(alembic(url), "head")
    moved = stored(url)
    legacy, plain = moved[LEGACY_CODE], moved[LEGACY_CODE[:-1] + "2"]
    assert legacy.form_data == ANSWERS == plain.form_data
    assert legacy.attachments == LEGACY_FORM_DATA["_attachments"]
    assert legacy.due_is_estimate is True and legacy.fee_text == "8.000 đồng (theo danh mục)"
    assert (plain.attachments, plain.due_is_estimate, plain.fee_text) == ([], False, "")

    command.downgrade(alembic(url), BEFORE)
    with session_factory(url)().get_bind().connect() as connection:
        rows = dict(connection.execute(sa.text("SELECT code, form_data FROM dossiers")).all())
    assert json.loads(rows[LEGACY_CODE]) == LEGACY_FORM_DATA  # downgrade: the keys are back where they were


def test_officers_see_only_answers_and_the_filing_still_reads_its_records(tmp_path, monkeypatch):
    url = legacy_database(tmp_path)
    monkeypatch.setenv("DVC_OTP_SECRET", "s" * 40)
    app = Services(dataclasses.replace(load_settings(), database_url=url, var_dir=tmp_path))
    seed_demo(app, PASSWORD, password_change=False)  # upgrades the database to head first

    form = FormSpec(
        "1.001193", "Tờ khai đăng ký khai sinh", (FieldSpec("applicant_full_name", "Họ tên", "?"),)
    )
    again = app.dossiers.submit(
        form=form, procedure=None, answers=ANSWERS, channel="rest", sender_id="owner", phone_hash="h",
        idempotency_key="legacy-1",
    )  # fmt: skip
    assert not again.created and again.code == LEGACY_CODE
    assert (
        again.due_is_estimate and again.fee_text == "8.000 đồng (theo danh mục)"
    )  # the receipt as first told

    async def scenario(client):
        headers = await token_for(client, "motcua")
        body = await (await client.get(f"/api/dossiers/{LEGACY_CODE}", headers=headers)).json()
        assert body.get("answers") == ANSWERS, body
        assert [item["upload_id"] for item in body["attachments"]] == ["u-legacy-1"]
        await login(client, "motcua")
        page = await (await client.get(f"/officer/dossiers/{LEGACY_CODE}")).text()
        assert "giay-chung-sinh.pdf" in page  # listed under the attachments
        assert "_attachments" not in page and "_fee_text" not in page and "_due_is_estimate" not in page

    run_app(app, scenario)
