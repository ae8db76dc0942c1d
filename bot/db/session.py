"""Engine and session factory for the back-office database, and schema upgrade through Alembic."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import PROJECT_ROOT


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


def upgrade_schema(database_url: str) -> None:
    """Bring the database to the newest Alembic revision (creates it on first run)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    command.upgrade(config, "head")
