"""Alembic environment: migrates the database named by DATABASE_URL (or alembic.ini's fallback)."""

from __future__ import annotations

import os

from alembic import context

import bot.otp.models  # noqa: F401
from bot.db.models import Base
from bot.db.session import make_engine

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


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        # render_as_batch: SQLite cannot ALTER most things; batch mode recreates tables instead.
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
