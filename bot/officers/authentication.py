"""Officer sign-in (argon2 passwords, lockout after repeated failures) and server-side sessions.

A session is a random token given to the browser (kind "web", with a CSRF token) or to an API client
(kind "api"); only its sha256 is stored, so a copy of the database does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Officer, OfficerSession
from bot.db.times import as_utc, optional_utc
from bot.officers import accounts
from bot.officers.accounts import AccountError, Clock, OfficerView, officer_view, utc_clock

LOCKOUT_THRESHOLD = 5  # consecutive failures
LOCKOUT_MINUTES = 15
WEB_SESSION_HOURS = 8
API_TOKEN_HOURS = 12
WEB = "web"
API = "api"
SESSION_KINDS = (WEB, API)


class AuthenticationError(Exception):
    """Sign-in refused."""


class InvalidCredentialsError(AuthenticationError):
    """Unknown username, wrong password or inactive officer: deliberately indistinguishable."""

    def __init__(self) -> None:
        super().__init__("Tên đăng nhập hoặc mật khẩu không đúng.")


class AccountLockedError(AuthenticationError):
    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(f"Tài khoản tạm khoá đến {until.isoformat(timespec='minutes')} (UTC).")


@dataclass(frozen=True)
class IssuedSession:
    token: str  # give it to the client once; it is not stored
    csrf_token: str  # "" for API tokens
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    officer: OfficerView
    csrf_token: str
    expires_at: datetime
    session_id: int


@dataclass(frozen=True)
class _Candidate:
    id: int
    password_hash: str
    locked_until: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_csrf(signed_in: SignedIn, submitted: str | None) -> bool:
    expected = signed_in.csrf_token
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))


class Authenticator:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock = utc_clock,
        *,
        lockout_threshold: int = LOCKOUT_THRESHOLD,
        lockout_minutes: float = LOCKOUT_MINUTES,
        web_session_hours: float = WEB_SESSION_HOURS,
        api_token_hours: float = API_TOKEN_HOURS,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._threshold = lockout_threshold
        self._lockout = timedelta(minutes=lockout_minutes)
        self._lifetimes = {WEB: timedelta(hours=web_session_hours), API: timedelta(hours=api_token_hours)}

    # sign-in

    def authenticate(self, username: str, password: str) -> OfficerView:
        candidate = self._candidate((username or "").strip().lower())
        if candidate is None:
            accounts.dummy_verify(password or "")
            raise InvalidCredentialsError()
        if candidate.locked_until is not None and candidate.locked_until > self._clock():
            raise AccountLockedError(candidate.locked_until)
        if not accounts.verify_password(candidate.password_hash, password or ""):
            self._record_failure(candidate.id)
        return self._record_success(candidate, password)

    def _candidate(self, username: str) -> _Candidate | None:
        with self._sessions() as session:
            officer = session.execute(
                select(Officer).where(Officer.username == username)
            ).scalar_one_or_none()
            if officer is None or not officer.is_active:
                return None
            return _Candidate(officer.id, officer.password_hash, optional_utc(officer.locked_until))

    def _record_failure(self, officer_id: int) -> NoReturn:
        """Count the failure (atomically) and lock the account at the threshold; always raises."""
        now = self._clock()
        with self._sessions() as session, session.begin():
            officer = session.get(Officer, officer_id)
            locked_until = optional_utc(officer.locked_until)
            if locked_until is not None and locked_until <= now:  # a lock that has run out: start afresh
                officer.failed_logins, officer.locked_until = 0, None
                session.flush()
            officer.failed_logins = Officer.failed_logins + 1
            session.flush()
            session.refresh(officer, ["failed_logins"])
            if officer.failed_logins >= self._threshold:
                officer.locked_until = until = now + self._lockout
                officer.failed_logins = 0
                session.flush()
            else:
                until = None
        if until is not None:
            raise AccountLockedError(until)
        raise InvalidCredentialsError()

    def _record_success(self, candidate: _Candidate, password: str) -> OfficerView:
        new_hash = (
            accounts.hash_password(password)
            if accounts.password_needs_rehash(candidate.password_hash)
            else None
        )
        with self._sessions() as session, session.begin():
            officer = session.get(Officer, candidate.id)
            # Re-checked under the transaction: the officer may have changed while the hash was verified.
            if officer is None or not officer.is_active or officer.password_hash != candidate.password_hash:
                raise InvalidCredentialsError()
            locked_until = optional_utc(officer.locked_until)
            if locked_until is not None and locked_until > self._clock():
                raise AccountLockedError(locked_until)
            officer.failed_logins = 0
            officer.locked_until = None
            if new_hash is not None:
                officer.password_hash = new_hash
            session.flush()
            return officer_view(officer)

    # sessions

    def open_session(self, officer_id: int, kind: str) -> IssuedSession:
        if kind not in SESSION_KINDS:
            raise ValueError(f"unknown session kind {kind!r}")
        token = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(24) if kind == WEB else ""
        now = self._clock()
        expires_at = now + self._lifetimes[kind]
        with self._sessions() as session, session.begin():
            officer = session.get(Officer, officer_id)
            if officer is None or not officer.is_active:
                raise AccountError("Không thể mở phiên cho cán bộ không tồn tại hoặc đã bị vô hiệu hoá.")
            session.add(
                OfficerSession(
                    token_hash=token_hash(token),
                    officer_id=officer_id,
                    kind=kind,
                    csrf_token=csrf_token,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        return IssuedSession(token, csrf_token, expires_at)

    def session_for_token(self, token: str | None, kind: str) -> SignedIn | None:
        if not token or not isinstance(token, str):
            return None
        with self._sessions() as session:
            stored = session.execute(
                select(OfficerSession).where(OfficerSession.token_hash == token_hash(token))
            ).scalar_one_or_none()
            if stored is None or stored.kind != kind:
                return None
            expires_at = as_utc(stored.expires_at)
            if expires_at <= self._clock() or not stored.officer.is_active:
                return None
            return SignedIn(officer_view(stored.officer), stored.csrf_token, expires_at, stored.id)

    def close_session(self, token: str | None) -> bool:
        if not token:
            return False
        with self._sessions() as session, session.begin():
            result = session.execute(
                delete(OfficerSession).where(OfficerSession.token_hash == token_hash(token))
            )
            return bool(result.rowcount)

    def close_all_sessions(self, officer_id: int) -> int:
        with self._sessions() as session, session.begin():
            return accounts.close_sessions_of(session, officer_id)

    def purge_expired_sessions(self) -> int:
        with self._sessions() as session, session.begin():
            result = session.execute(delete(OfficerSession).where(OfficerSession.expires_at <= self._clock()))
            return result.rowcount or 0

    check_csrf = staticmethod(check_csrf)
