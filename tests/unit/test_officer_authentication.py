"""Sign-in, lockout and sessions on a real SQLite database, with an injected clock."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from bot.db.models import Officer, OfficerSession
from bot.db.session import session_factory, upgrade_schema
from bot.officers import accounts
from bot.officers.accounts import ADMIN, DESK, AccountError, Accounts
from bot.officers.authentication import (
    API_TOKEN_HOURS,
    LOCKOUT_MINUTES,
    LOCKOUT_THRESHOLD,
    WEB_SESSION_HOURS,
    AccountLockedError,
    Authenticator,
    InvalidCredentialsError,
    check_csrf,
)

PASSWORD = "mat-khau-an-toan"
START = datetime(2025, 11, 24, 2, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class CountingHasher(PasswordHasher):
    """A real (cheap) argon2 hasher that counts verifications."""

    def __init__(self, time_cost: int = 1) -> None:
        super().__init__(time_cost=time_cost, memory_cost=1024, parallelism=1)
        self.verifications = 0

    def verify(self, hash, password) -> bool:
        self.verifications += 1
        return super().verify(hash, password)


@pytest.fixture(autouse=True)
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    cheap = CountingHasher()
    monkeypatch.setattr(accounts, "PASSWORD_HASHER", cheap)
    return cheap


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    return session_factory(url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registry(sessions, clock) -> Accounts:
    registry = Accounts(sessions, clock=clock)
    registry.create_department("MOT_CUA", "Bộ phận Một cửa")
    registry.create_officer("lan", "Trần Thị Lan", DESK, PASSWORD, department_code="MOT_CUA")
    return registry


@pytest.fixture
def auth(sessions, clock, registry) -> Authenticator:
    return Authenticator(sessions, clock=clock)


def failed_logins(sessions, username: str = "lan") -> int:
    with sessions() as session:
        return session.execute(select(Officer.failed_logins).where(Officer.username == username)).scalar_one()


def fail(auth: Authenticator, times: int) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentialsError):
            auth.authenticate("lan", "wrong password")


def test_defaults():
    assert (LOCKOUT_THRESHOLD, LOCKOUT_MINUTES, WEB_SESSION_HOURS, API_TOKEN_HOURS) == (5, 15, 8, 12)


def test_the_right_password_signs_in(auth):
    officer = auth.authenticate(" LAN ", PASSWORD)
    assert (officer.username, officer.role, officer.department_code) == ("lan", DESK, "MOT_CUA")


def test_unknown_user_wrong_password_and_inactive_officer_look_the_same(auth, registry, hasher):
    registry.create_officer("cu.cu", "Cán bộ cũ", DESK, PASSWORD, department_code="MOT_CUA")
    registry.update_officer("cu.cu", is_active=False)
    errors = []
    for username, password in (("nobody", PASSWORD), ("lan", "wrong password"), ("cu.cu", PASSWORD)):
        before = hasher.verifications
        with pytest.raises(InvalidCredentialsError) as caught:
            auth.authenticate(username, password)
        assert hasher.verifications == before + 1, f"{username}: no argon2 verification, timing would leak"
        errors.append((type(caught.value), str(caught.value)))
    assert len(set(errors)) == 1


def test_five_failures_lock_the_account_for_fifteen_minutes(auth, clock, sessions):
    fail(auth, 4)
    assert failed_logins(sessions) == 4
    with pytest.raises(AccountLockedError) as locked:
        auth.authenticate("lan", "wrong password")
    assert locked.value.until == START + timedelta(minutes=15)
    clock.advance(minutes=14, seconds=59)
    with pytest.raises(AccountLockedError):  # refused even with the right password
        auth.authenticate("lan", PASSWORD)
    clock.advance(seconds=1)
    assert auth.authenticate("lan", PASSWORD).locked_until is None
    assert failed_logins(sessions) == 0


def test_a_locked_account_is_refused_before_the_password_is_checked(auth, hasher):
    fail(auth, 4)
    with pytest.raises(AccountLockedError):
        auth.authenticate("lan", "wrong password")
    before = hasher.verifications
    with pytest.raises(AccountLockedError):
        auth.authenticate("lan", PASSWORD)
    assert hasher.verifications == before


def test_after_a_lock_runs_out_the_count_starts_afresh(auth, clock):
    fail(auth, 4)
    with pytest.raises(AccountLockedError):
        auth.authenticate("lan", "wrong password")
    clock.advance(minutes=16)
    fail(auth, 4)  # not locked again by the first failure after the lock
    with pytest.raises(AccountLockedError):
        auth.authenticate("lan", "wrong password")


def test_a_success_resets_the_failure_count(auth, sessions):
    fail(auth, 4)
    auth.authenticate("lan", PASSWORD)
    assert failed_logins(sessions) == 0
    fail(auth, 4)
    assert auth.authenticate("lan", PASSWORD).username == "lan"


def test_lockout_is_configurable(sessions, clock, registry):
    auth = Authenticator(sessions, clock=clock, lockout_threshold=2, lockout_minutes=1)
    fail(auth, 1)
    with pytest.raises(AccountLockedError) as locked:
        auth.authenticate("lan", "wrong password")
    assert locked.value.until == START + timedelta(minutes=1)
    assert registry.get_officer("lan").locked_until == START + timedelta(minutes=1)
    clock.advance(minutes=1)
    auth.authenticate("lan", PASSWORD)


def test_set_password_unlocks(auth, registry):
    fail(auth, 4)
    with pytest.raises(AccountLockedError):
        auth.authenticate("lan", "wrong password")
    registry.set_password("lan", "mat-khau-moi-2025")
    assert auth.authenticate("lan", "mat-khau-moi-2025").username == "lan"
    fail(auth, 1)  # the old password no longer works


def test_outdated_hash_is_rehashed_on_successful_sign_in(auth, sessions, monkeypatch):
    def stored_hash() -> str:
        with sessions() as session:
            return session.execute(
                select(Officer.password_hash).where(Officer.username == "lan")
            ).scalar_one()

    old_hash = stored_hash()
    stronger = CountingHasher(time_cost=2)
    monkeypatch.setattr(accounts, "PASSWORD_HASHER", stronger)
    assert stronger.check_needs_rehash(old_hash)
    fail(auth, 1)
    assert stored_hash() == old_hash  # a failure does not rehash
    auth.authenticate("lan", PASSWORD)
    new_hash = stored_hash()
    assert new_hash != old_hash and "t=2" in new_hash
    assert not stronger.check_needs_rehash(new_hash)
    assert auth.authenticate("lan", PASSWORD).username == "lan"
    assert stored_hash() == new_hash  # up to date: not rehashed again


def test_web_session_stores_only_the_token_hash(auth, sessions, registry):
    lan = registry.get_officer("lan")
    issued = auth.open_session(lan.id, "web")
    assert len(issued.token) >= 43 and len(issued.csrf_token) >= 32
    assert issued.expires_at == START + timedelta(hours=8)
    with sessions() as session:
        stored = session.execute(select(OfficerSession)).scalar_one()
    assert stored.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in (stored.token_hash, stored.csrf_token)
    signed_in = auth.session_for_token(issued.token, "web")
    assert signed_in.officer == lan
    assert (signed_in.csrf_token, signed_in.expires_at, signed_in.session_id) == (
        issued.csrf_token,
        issued.expires_at,
        stored.id,
    )
    assert auth.open_session(lan.id, "web").token != issued.token


def test_sessions_expire(auth, clock, registry):
    lan_id = registry.get_officer("lan").id
    web = auth.open_session(lan_id, "web")
    api = auth.open_session(lan_id, "api")
    assert api.csrf_token == "" and api.expires_at == START + timedelta(hours=12)
    clock.advance(hours=7, minutes=59)
    assert auth.session_for_token(web.token, "web") is not None
    clock.advance(minutes=1)
    assert auth.session_for_token(web.token, "web") is None
    assert auth.session_for_token(api.token, "api") is not None
    clock.advance(hours=4)
    assert auth.session_for_token(api.token, "api") is None
    assert auth.purge_expired_sessions() == 2


def test_a_token_only_works_for_its_kind(auth, registry):
    lan_id = registry.get_officer("lan").id
    web = auth.open_session(lan_id, "web")
    api = auth.open_session(lan_id, "api")
    assert auth.session_for_token(web.token, "api") is None
    assert auth.session_for_token(api.token, "web") is None
    assert auth.session_for_token(api.token, "api").officer.username == "lan"
    for token in ("", None, "not-a-token", web.token + "x"):
        assert auth.session_for_token(token, "web") is None
    with pytest.raises(ValueError):
        auth.open_session(lan_id, "cookie")


def test_close_session_and_close_all_sessions(auth, registry):
    lan_id = registry.get_officer("lan").id
    first, second, third = (auth.open_session(lan_id, kind) for kind in ("web", "web", "api"))
    assert auth.close_session(first.token) is True
    assert auth.close_session(first.token) is False
    assert auth.session_for_token(first.token, "web") is None
    assert auth.session_for_token(second.token, "web") is not None
    assert auth.close_all_sessions(lan_id) == 2
    assert auth.session_for_token(second.token, "web") is None
    assert auth.session_for_token(third.token, "api") is None


def test_deactivation_kills_sessions_for_good(auth, registry):
    lan_id = registry.get_officer("lan").id
    web = auth.open_session(lan_id, "web")
    api = auth.open_session(lan_id, "api")
    registry.update_officer("lan", is_active=False)
    registry.update_officer("lan", is_active=True)
    assert auth.session_for_token(web.token, "web") is None
    assert auth.session_for_token(api.token, "api") is None


def test_an_inactive_officer_has_no_session(auth, registry, sessions):
    lan_id = registry.get_officer("lan").id
    web = auth.open_session(lan_id, "web")
    with sessions() as session, session.begin():  # deactivated behind the back of Accounts
        session.execute(update(Officer).where(Officer.id == lan_id).values(is_active=False))
    assert auth.session_for_token(web.token, "web") is None
    with pytest.raises(AccountError):
        auth.open_session(lan_id, "web")
    with pytest.raises(AccountError):
        auth.open_session(9999, "api")


def test_password_reset_kills_sessions(auth, registry):
    web = auth.open_session(registry.get_officer("lan").id, "web")
    registry.set_password("lan", "mat-khau-moi-2025")
    assert auth.session_for_token(web.token, "web") is None


def test_session_reflects_role_changes_immediately(auth, registry):
    web = auth.open_session(registry.get_officer("lan").id, "web")
    registry.update_officer("lan", role=ADMIN)
    assert auth.session_for_token(web.token, "web").officer.role == ADMIN


def test_check_csrf(auth, registry):
    lan_id = registry.get_officer("lan").id
    web = auth.session_for_token(auth.open_session(lan_id, "web").token, "web")
    api = auth.session_for_token(auth.open_session(lan_id, "api").token, "api")
    assert check_csrf(web, web.csrf_token)
    assert auth.check_csrf(web, web.csrf_token)
    assert not check_csrf(web, web.csrf_token[:-1])
    assert not check_csrf(web, web.csrf_token + "x")
    assert not check_csrf(web, "")
    assert not check_csrf(web, None)
    assert not check_csrf(web, "đ" * 32)  # non-ASCII input is refused, not an exception
    assert not check_csrf(api, "")
