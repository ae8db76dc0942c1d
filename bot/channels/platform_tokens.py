"""The current access/refresh token pair of a platform account (Zalo OA), kept in the database.

Zalo's refresh token is single use: whoever refreshes must save the new pair before anyone uses it, and only
one process may refresh at a time, or the others would spend an already-used refresh token and lock the
OA out. A short lease in the same row decides who refreshes; the others wait and read the new pair."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.db.models import PlatformToken
from bot.db.times import as_utc


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime


class PlatformTokens:
    def __init__(
        self,
        session_factory: sessionmaker,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock

    def current(self, name: str) -> TokenPair | None:
        with self.session_factory() as session:
            row = session.get(PlatformToken, name)
            return (
                None
                if row is None
                else TokenPair(row.access_token, row.refresh_token, as_utc(row.expires_at))
            )

    def _row(self, name: str, pair: TokenPair) -> PlatformToken:
        return PlatformToken(
            name=name,
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_at=pair.expires_at,
            refreshing_until=None,
            updated_at=self.clock(),
        )

    def seed(self, name: str, pair: TokenPair) -> None:
        """Store the first pair (from the environment) unless the database already has a newer one."""
        try:
            with self.session_factory() as session, session.begin():
                session.add(self._row(name, pair))
        except IntegrityError:
            pass

    def replace(self, name: str, pair: TokenPair) -> None:
        """An operator's new pair (from Zalo's console) replaces whatever is stored."""
        with self.session_factory() as session, session.begin():
            session.merge(self._row(name, pair))

    def try_lease(self, name: str, seconds: float = 30) -> bool:
        """Become the one process that refreshes now (True), unless another holds an unexpired lease."""
        now = self.clock()
        with self.session_factory() as session, session.begin():
            return (
                session.execute(
                    update(PlatformToken)
                    .where(
                        PlatformToken.name == name,
                        or_(PlatformToken.refreshing_until.is_(None), PlatformToken.refreshing_until < now),
                    )
                    .values(refreshing_until=now + timedelta(seconds=seconds))
                    .execution_options(synchronize_session=False)
                ).rowcount
                == 1
            )

    def save_refreshed(self, name: str, pair: TokenPair) -> None:
        """The new pair, written in one statement, and the lease released."""
        with self.session_factory() as session, session.begin():
            session.execute(
                update(PlatformToken)
                .where(PlatformToken.name == name)
                .values(
                    access_token=pair.access_token,
                    refresh_token=pair.refresh_token,
                    expires_at=pair.expires_at,
                    refreshing_until=None,
                    updated_at=self.clock(),
                )
                .execution_options(synchronize_session=False)
            )

    def release(self, name: str) -> None:
        with self.session_factory() as session, session.begin():
            session.execute(
                update(PlatformToken)
                .where(PlatformToken.name == name)
                .values(refreshing_until=None)
                .execution_options(synchronize_session=False)
            )
