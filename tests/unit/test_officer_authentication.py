"""Sign-in, lockout and sessions on a real SQLite database, with an injected clock."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from bot.db.models import Officer, OfficerSession
from bot.db.session import session_factory, upgrade_schema
from bot.db.times import as_utc
from bot.officers import accounts
from bot.officers.accounts import ADMIN, DESK, AccountError, Accounts
from bot.officers.authentication import (
    API_IDLE_MINUTES,
    API_TOKEN_HOURS,
    LOCKOUT_MINUTES,
    LOCKOUT_THRESHOLD,
    WEB_IDLE_MINUTES,
    WEB_SESSION_HOURS,
    AccountLockedError,
    Authenticator,
    InvalidCredentialsError,
    WrongCurrentPasswordError,
    check_csrf,
)

PASSWORD = "mat-khau-an-toan-2025"
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


def test_sessions_expire_at_a_fixed_time_however_much_they_are_used(auth, clock, registry):
    lan_id = registry.get_officer("lan").id
    web = auth.open_session(lan_id, "web")
    api = auth.open_session(lan_id, "api")
    assert api.csrf_token == "" and api.expires_at == START + timedelta(hours=12)
    while clock.now < START + timedelta(hours=11, minutes=30):
        clock.advance(minutes=25)  # used well within both idle timeouts
        web_alive = auth.session_for_token(web.token, "web") is not None
        assert web_alive == (clock.now < START + timedelta(hours=8)), clock.now
        assert auth.session_for_token(api.token, "api") is not None
    clock.now = START + timedelta(hours=11, minutes=59)
    assert auth.session_for_token(api.token, "api") is not None
    clock.advance(minutes=1)
    assert auth.session_for_token(api.token, "api") is None
    assert auth.purge_expired_sessions() == 2


def test_an_unused_web_session_ends_after_thirty_minutes_and_use_extends_it(auth, clock, registry):
    assert WEB_IDLE_MINUTES == 30
    web = auth.open_session(registry.get_officer("lan").id, "web")
    clock.advance(minutes=29, seconds=59)
    assert auth.session_for_token(web.token, "web") is not None
    clock.advance(minutes=29)  # 58 minutes after sign-in, 29 after the last use
    assert auth.session_for_token(web.token, "web") is not None
    clock.advance(minutes=30)
    assert auth.session_for_token(web.token, "web") is None
    clock.advance(seconds=-1)  # ended by the clock, not by the refused request
    assert auth.session_for_token(web.token, "web") is not None


def test_an_unused_api_token_ends_after_an_hour(auth, clock, registry, sessions):
    assert API_IDLE_MINUTES == 60
    lan_id = registry.get_officer("lan").id
    api = auth.open_session(lan_id, "api")
    web = auth.open_session(lan_id, "web")
    clock.advance(minutes=59)
    assert auth.session_for_token(api.token, "api") is not None
    clock.advance(minutes=59)
    assert auth.session_for_token(api.token, "api") is not None
    assert auth.purge_expired_sessions() == 1  # the web session, idle since sign-in
    clock.advance(minutes=60)
    assert auth.session_for_token(api.token, "api") is None
    assert auth.purge_expired_sessions() == 1
    with sessions() as session:
        assert session.execute(select(OfficerSession)).first() is None
    assert auth.session_for_token(web.token, "web") is None


def test_idle_timeouts_are_configurable_and_zero_switches_them_off(sessions, clock, registry):
    auth = Authenticator(sessions, clock=clock, web_idle_minutes=5, api_idle_minutes=0)
    lan_id = registry.get_officer("lan").id
    web, api = auth.open_session(lan_id, "web"), auth.open_session(lan_id, "api")
    clock.advance(minutes=5)
    assert auth.session_for_token(web.token, "web") is None
    clock.advance(hours=11, minutes=54)
    assert auth.session_for_token(api.token, "api") is not None
    assert auth.purge_expired_sessions() == 1


def test_the_last_use_is_written_at_most_once_a_minute(auth, clock, registry, sessions):
    web = auth.open_session(registry.get_officer("lan").id, "web")

    def last_used() -> datetime:
        with sessions() as session:
            return as_utc(session.execute(select(OfficerSession.last_used_at)).scalar_one())

    clock.advance(seconds=59)
    auth.session_for_token(web.token, "web")
    assert last_used() == START
    clock.advance(seconds=1)
    auth.session_for_token(web.token, "web")
    assert last_used() == START + timedelta(minutes=1)


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


# --- the officer's own password --------------------------------------------------------------------

NEW_PASSWORD = "hoa-sen-trong-dam-2026"


def signed_in(auth: Authenticator, registry: Accounts, kind: str = "web") -> tuple[str, int]:
    token = auth.open_session(registry.get_officer("lan").id, kind).token
    return token, auth.session_for_token(token, kind).session_id


def test_an_officer_made_by_someone_else_signs_in_flagged_for_a_change(auth):
    assert auth.authenticate("lan", PASSWORD).must_change_password


def test_changing_the_password_clears_the_flag_and_ends_only_the_other_sessions(auth, registry):
    token, session_id = signed_in(auth, registry)
    other_web, _ = signed_in(auth, registry)
    other_api, _ = signed_in(auth, registry, "api")
    changed = auth.change_password(session_id, PASSWORD, NEW_PASSWORD)
    assert not changed.must_change_password and not registry.get_officer("lan").must_change_password
    assert auth.session_for_token(token, "web").officer.must_change_password is False
    assert auth.session_for_token(other_web, "web") is None
    assert auth.session_for_token(other_api, "api") is None
    assert auth.authenticate("lan", NEW_PASSWORD).username == "lan"
    with pytest.raises(InvalidCredentialsError):
        auth.authenticate("lan", PASSWORD)


def test_the_new_password_must_follow_the_policy_and_differ(auth, registry, hasher):
    _, session_id = signed_in(auth, registry)
    before = hasher.verifications
    with pytest.raises(AccountError, match="khác mật khẩu hiện tại"):
        auth.change_password(session_id, PASSWORD, PASSWORD)
    with pytest.raises(AccountError, match="ít nhất 12 ký tự"):
        auth.change_password(session_id, PASSWORD, "ngan-1")
    with pytest.raises(AccountError, match="tên đăng nhập"):
        auth.change_password(session_id, PASSWORD, "lan-hoa-sen-2026")
    assert hasher.verifications == before  # refused before argon2 work
    assert registry.get_officer("lan").must_change_password


def test_a_wrong_current_password_counts_towards_the_lockout_and_the_lock_ends_the_session(
    auth, registry, sessions
):
    token, session_id = signed_in(auth, registry)
    other, _ = signed_in(auth, registry)
    for _ in range(4):
        with pytest.raises(WrongCurrentPasswordError, match="Mật khẩu hiện tại không đúng"):
            auth.change_password(session_id, "wrong password", NEW_PASSWORD)
    assert failed_logins(sessions) == 4
    with pytest.raises(AccountLockedError):
        auth.change_password(session_id, "wrong password", NEW_PASSWORD)
    assert auth.session_for_token(token, "web") is None  # the session that guessed
    assert auth.session_for_token(other, "web") is not None
    with pytest.raises(AccountLockedError):
        auth.authenticate("lan", PASSWORD)


def test_a_closed_session_cannot_change_the_password(auth, registry):
    token, session_id = signed_in(auth, registry)
    auth.close_session(token)
    with pytest.raises(AccountError, match="đăng nhập lại"):
        auth.change_password(session_id, PASSWORD, NEW_PASSWORD)
