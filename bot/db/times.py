"""Datetimes read back from the database.

Every timestamp is stored in UTC. PostgreSQL hands them back timezone-aware, SQLite naive; `as_utc` makes
both aware UTC so that they compare with `datetime.now(timezone.utc)`.
"""

from __future__ import annotations

from datetime import datetime, timezone


def as_utc(moment: datetime) -> datetime:
    """Timezone-aware UTC; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def optional_utc(moment: datetime | None) -> datetime | None:
    """`as_utc` for a column that may be empty."""
    return None if moment is None else as_utc(moment)
