"""Migrations run once, under a lock, by `python -m backoffice migrate`; production servers only check."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from bot.db.session import SchemaNotMigratedError, make_engine, schema_is_current
from bot.services import Services
from bot.settings import PRODUCTION, PROJECT_ROOT, load_settings


def migrate_command(database_url: str, var_dir) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DVC_VAR_DIR": str(var_dir),
        "DVC_PROFILE": "development",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "backoffice", "migrate"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_replicas_migrating_at_once_migrate_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    runs = [migrate_command(url, tmp_path) for _ in range(3)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert schema_is_current(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


def test_a_production_server_does_not_migrate_but_says_what_to_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    settings = dataclasses.replace(load_settings(), database_url=url, var_dir=tmp_path, profile=PRODUCTION)
    with pytest.raises(SchemaNotMigratedError, match="python -m backoffice migrate"):
        Services(settings).sessions  # noqa: B018 (the property is what is tested)
    assert not schema_is_current(url)
    run = migrate_command(url, tmp_path)
    assert run.wait(timeout=300) == 0
    with Services(settings).sessions() as session:
        assert session.execute(text("SELECT count(*) FROM dossiers")).scalar_one() == 0
