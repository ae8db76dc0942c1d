"""Alembic environment: migrates the database named by DATABASE_URL (or alembic.ini's fallback)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from alembic import context
from sqlalchemy import text

import bot.analytics.models
import bot.feedback.models
import bot.handover.models
import bot.otp.models  # noqa: F401
from bot.db.models import Base
from bot.db.session import make_engine

MIGRATION_LOCK_KEY = 7_460_115  # any constant: the advisory lock's name among this database's locks
config = context.config
# Precedence: the URL passed by bot.db.session.upgrade_schema, then DATABASE_URL, then alembic.ini.
url = (
    config.attributes.get("database_url")
    or os.environ.get("DATABASE_URL")
    or config.get_main_option("sqlalchemy.url")
)


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


@contextlib.contextmanager
def migration_lock(connection):
    """One migration at a time, whichever process or replica runs it: the others wait, then find the schema
    at the newest revision and do nothing. PostgreSQL: a session advisory lock; SQLite: a file lock."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()
    elif connection.dialect.name == "sqlite" and connection.engine.url.database:
        path = Path(connection.engine.url.database).with_suffix(".migrate.lock")
        with open(path, "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
    else:
        yield


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection, migration_lock(connection):
        # render_as_batch: SQLite cannot ALTER most things; batch mode recreates tables instead.
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
