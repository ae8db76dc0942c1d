"""Officer sign-in (argon2 passwords, lockout after repeated failures), server-side sessions and the
officer's own password change.

A session is a random token given to the browser (kind "web", with a CSRF token) or to an API client
(kind "api"); only its sha256 is stored, so a copy of the database does not let anyone sign in. A session
ends at a fixed time after sign-in (absolute expiry) or earlier when it has not been used for a while (idle
timeout); both are per kind.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Officer, OfficerSession
from bot.db.times import as_utc, optional_utc
from bot.officers import accounts
from bot.officers.accounts import (
    AccountError,
    Clock,
    OfficerView,
    check_password_policy,
    officer_view,
    utc_clock,
)
from bot.officers.password_policy import PasswordPolicy
from bot.settings import OfficerSecuritySettings

_DEFAULTS = OfficerSecuritySettings()
LOCKOUT_THRESHOLD = _DEFAULTS.lockout_threshold  # consecutive failures
LOCKOUT_MINUTES = _DEFAULTS.lockout_minutes
WEB_SESSION_HOURS = _DEFAULTS.web_session_hours
WEB_IDLE_MINUTES = _DEFAULTS.web_idle_minutes
API_TOKEN_HOURS = _DEFAULTS.api_token_hours
API_IDLE_MINUTES = _DEFAULTS.api_idle_minutes
# A session's last use is written at most this often: not one database write per request, and the idle
# timeout is exact to within this much.
TOUCH_INTERVAL = timedelta(minutes=1)
WEB = "web"
API = "api"
SESSION_KINDS = (WEB, API)


class AuthenticationError(Exception):
    """Sign-in refused."""


class InvalidCredentialsError(AuthenticationError):
    """Unknown username, wrong password or inactive officer: deliberately indistinguishable."""

    def __init__(self) -> None:
        super().__init__("Tên đăng nhập hoặc mật khẩu không đúng.")


class WrongCurrentPasswordError(AuthenticationError):
    def __init__(self) -> None:
        super().__init__("Mật khẩu hiện tại không đúng.")


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
        web_idle_minutes: float = WEB_IDLE_MINUTES,
        api_idle_minutes: float = API_IDLE_MINUTES,
        password_policy: PasswordPolicy | None = None,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._threshold = lockout_threshold
        self._lockout = timedelta(minutes=lockout_minutes)
        self._lifetimes = {WEB: timedelta(hours=web_session_hours), API: timedelta(hours=api_token_hours)}
        # 0 (or less) switches the idle timeout off for that kind.
        self._idle = {
            kind: timedelta(minutes=minutes) if minutes > 0 else None
            for kind, minutes in ((WEB, web_idle_minutes), (API, api_idle_minutes))
        }
        self._policy = password_policy or PasswordPolicy()

    @classmethod
    def from_settings(
        cls,
        session_factory: sessionmaker[Session],
        settings: OfficerSecuritySettings,
        clock: Clock = utc_clock,
    ) -> Authenticator:
        return cls(
            session_factory,
            clock,
            lockout_threshold=settings.lockout_threshold,
            lockout_minutes=settings.lockout_minutes,
            web_session_hours=settings.web_session_hours,
            api_token_hours=settings.api_token_hours,
            web_idle_minutes=settings.web_idle_minutes,
            api_idle_minutes=settings.api_idle_minutes,
            password_policy=PasswordPolicy(min_length=settings.min_password_length),
        )

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
                    last_used_at=now,
                )
            )
        return IssuedSession(token, csrf_token, expires_at)

    def session_for_token(self, token: str | None, kind: str) -> SignedIn | None:
        """The live session of `token`, its use recorded (which extends the idle window); None when the
        token is unknown, of the other kind, past its expiry or idle timeout, or its officer is inactive."""
        if not token or not isinstance(token, str):
            return None
        now = self._clock()
        with self._sessions() as session, session.begin():
            stored = session.execute(
                select(OfficerSession).where(OfficerSession.token_hash == token_hash(token))
            ).scalar_one_or_none()
            if stored is None or stored.kind != kind:
                return None
            expires_at = as_utc(stored.expires_at)
            last_used_at = as_utc(stored.last_used_at)
            idle = self._idle[kind]
            if expires_at <= now or (idle is not None and last_used_at + idle <= now):
                return None
            if not stored.officer.is_active:
                return None
            if now - last_used_at >= TOUCH_INTERVAL:
                stored.last_used_at = now
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
        """Delete the sessions past their expiry or their idle timeout; returns how many."""
        now = self._clock()
        ended = [OfficerSession.expires_at <= now]
        for kind, idle in self._idle.items():
            if idle is not None:
                ended.append((OfficerSession.kind == kind) & (OfficerSession.last_used_at <= now - idle))
        with self._sessions() as session, session.begin():
            result = session.execute(delete(OfficerSession).where(or_(*ended)))
            return result.rowcount or 0

    # the officer's own password

    def change_password(self, session_id: int, current_password: str, new_password: str) -> OfficerView:
        """The officer of session `session_id` replaces their password: the current one must be right (a
        wrong one counts towards the lockout, and a lock ends this session), the new one must follow the
        policy and differ. Clears the forced-change flag and ends the officer's other sessions."""
        with self._sessions() as session:
            stored = session.get(OfficerSession, session_id)
            if stored is None or not stored.officer.is_active:
                raise AccountError("Phiên đăng nhập đã kết thúc; vui lòng đăng nhập lại.")
            officer = stored.officer
            candidate = _Candidate(officer.id, officer.password_hash, optional_utc(officer.locked_until))
            username = officer.username
        check_password_policy(new_password, username, self._policy)
        if new_password == current_password:
            raise AccountError("Mật khẩu mới phải khác mật khẩu hiện tại.")
        if candidate.locked_until is not None and candidate.locked_until > self._clock():
            raise AccountLockedError(candidate.locked_until)
        if not accounts.verify_password(candidate.password_hash, current_password or ""):
            try:
                self._record_failure(candidate.id)
            except AccountLockedError:
                self._close_session_id(session_id)
                raise
            except InvalidCredentialsError as wrong:
                raise WrongCurrentPasswordError() from wrong
        new_hash = accounts.hash_password(new_password)
        with self._sessions() as session, session.begin():
            officer = session.get(Officer, candidate.id)
            if officer is None or not officer.is_active or officer.password_hash != candidate.password_hash:
                raise AccountError("Mật khẩu vừa được thay đổi ở nơi khác; vui lòng đăng nhập lại.")
            officer.password_hash = new_hash
            officer.must_change_password = False
            officer.failed_logins = 0
            officer.locked_until = None
            session.execute(
                delete(OfficerSession).where(
                    OfficerSession.officer_id == officer.id, OfficerSession.id != session_id
                )
            )
            session.flush()
            return officer_view(officer)

    def _close_session_id(self, session_id: int) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(OfficerSession).where(OfficerSession.id == session_id))

    check_csrf = staticmethod(check_csrf)
