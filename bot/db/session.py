"""Engine and session factory for the back-office database, and schema upgrade through Alembic."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import PRODUCTION, PROJECT_ROOT


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, future=True, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
            cursor.close()

        return engine
    return create_engine(database_url, future=True, pool_pre_ping=True)


def begin_write(session: Session) -> None:
    """SQLite: take the write lock first (BEGIN IMMEDIATE), so that read-then-write cannot fail half-way,
    and two processes' read-then-write transactions run one after the other.

    In WAL mode a deferred transaction that has read, then writes after another connection committed, fails at
    once with "database is locked"; an immediate one waits its turn (busy timeout) and reads the newest data.
    Must be the first statement of the session's transaction. (PostgreSQL locks rows instead.)
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("BEGIN IMMEDIATE"))


@lru_cache(maxsize=8)
def session_factory(database_url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=make_engine(database_url), future=True, expire_on_commit=False)


class SchemaNotMigratedError(RuntimeError):
    """The database is not at the newest schema revision (production servers do not migrate it)."""


def _alembic_config(database_url: str) -> Any:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_schema(database_url: str) -> None:
    """Bring the database to the newest Alembic revision (creates it on first run), under the migration
    lock (migrations/env.py): run by `python -m backoffice migrate`, and in development on first use."""
    from alembic import command

    command.upgrade(_alembic_config(database_url), "head")


def schema_is_current(database_url: str) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(_alembic_config(database_url)).get_heads())
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    finally:
        engine.dispose()


def prepare_schema(database_url: str, profile: str) -> None:
    """Development migrates on first use; production only checks, and says what to run."""
    if profile != PRODUCTION:
        upgrade_schema(database_url)
    elif not schema_is_current(database_url):
        raise SchemaNotMigratedError(
            "the database schema is not at the newest revision: run `python -m backoffice migrate` "
            "(once, before starting the servers of a new version)"
        )
