"""Phone verification by OTP: limits, expiry, hashes only; on a migrated SQLite database and the outbox."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import stat
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from bot.db.models import Base
from bot.db.session import session_factory, upgrade_schema
from bot.otp import OtpConfig, OtpService, mask_phone, otp_secret, phone_hash
from bot.otp.models import OtpCode
from bot.settings import PROJECT_ROOT, load_settings
from bot.sms import OutboxSmsProvider, SmsError

PHONE = "0912345678"
OTHER_PHONE = "0987654321"
SECRET = b"unit-test-otp-secret-0123456789abcdef"
START = datetime(2026, 3, 2, 8, 0, 0, tzinfo=timezone.utc)


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "var" / "sms_outbox.jsonl"


@pytest.fixture
def service(database_url: str, outbox: Path, clock: FakeClock) -> OtpService:
    return OtpService(session_factory(database_url), OutboxSmsProvider(outbox), SECRET, clock=clock)


def outbox_records(outbox: Path) -> list[dict]:
    return [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]


def last_code(outbox: Path, phone: str = PHONE) -> str:
    """The code of the newest SMS to `phone`, read back from the outbox as the end-to-end tests do."""
    record = [record for record in outbox_records(outbox) if record["phone"] == phone][-1]
    return re.search(r"\b(\d{6})\b", record["text"]).group(1)


def a_wrong_code(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def stored_codes(database_url: str) -> list[OtpCode]:
    with session_factory(database_url)() as session:
        return list(session.execute(select(OtpCode).order_by(OtpCode.id)).scalars())


# -- sending and verifying -----------------------------------------------------------------------------


def test_code_is_sent_and_works_once(service, outbox):
    sent = service.send_code(PHONE)
    assert sent.status == "sent"
    assert sent.message == (
        "Dạ, em đã gửi mã xác thực 6 chữ số đến số điện thoại 09xx xxx 678. Mã có hiệu lực trong 5 phút."
    )
    (record,) = outbox_records(outbox)
    assert record["phone"] == PHONE
    code = last_code(outbox)
    assert record["text"] == (
        f"DVC: Ma xac thuc cua ban la {code}. Ma co hieu luc trong 5 phut. "
        "Khong chia se ma nay cho bat ky ai."
    )

    verified = service.verify(PHONE, code)
    assert verified.status == "verified"
    assert "09xx xxx 678" in verified.message

    again = service.verify(PHONE, code)
    assert again.status == "no_code"
    assert "mã mới" in again.message


def test_outbox_line_format(service, outbox):
    service.send_code(PHONE)
    line = outbox.read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(line)
    assert set(record) == {"phone", "text", "sent_at"}
    assert re.fullmatch(r"DVC: .*\b\d{6}\b.*", record["text"])
    assert datetime.fromisoformat(record["sent_at"]).utcoffset() == timedelta(0)


def test_wrong_code_tells_the_attempts_left(service, outbox):
    service.send_code(PHONE)
    code = last_code(outbox)
    wrong = service.verify(PHONE, a_wrong_code(code))
    assert wrong.status == "wrong"
    assert wrong.attempts_left == 4
    assert "chưa đúng" in wrong.message
    assert "4 lần" in wrong.message
    assert service.verify(PHONE, a_wrong_code(code)).attempts_left == 3
    assert service.verify(PHONE, code).status == "verified"  # the right code still works


def test_five_wrong_tries_void_the_code(service, outbox, clock):
    service.send_code(PHONE)
    code = last_code(outbox)
    statuses = [service.verify(PHONE, a_wrong_code(code)).status for _ in range(5)]
    assert statuses == ["wrong", "wrong", "wrong", "wrong", "too_many_attempts"]

    after = service.verify(PHONE, code)  # even the right code fails now
    assert after.status == "too_many_attempts"
    assert after.attempts_left == 0
    assert "mã mới" in after.message

    clock.advance(5)  # a new code can be asked at once: the old one is void
    assert service.send_code(PHONE).status == "sent"
    assert service.verify(PHONE, last_code(outbox)).status == "verified"


def test_malformed_codes_count_as_wrong_tries(service, outbox):
    service.send_code(PHONE)
    assert service.verify(PHONE, "12345").status == "wrong"
    assert service.verify(PHONE, "abcdef").attempts_left == 3


def test_code_expires_after_five_minutes(service, outbox, clock):
    service.send_code(PHONE)
    code = last_code(outbox)
    clock.advance(300)
    expired = service.verify(PHONE, code)
    assert expired.status == "expired"
    assert "hết hiệu lực" in expired.message
    assert "mã mới" in expired.message


def test_code_still_works_just_before_expiry(service, outbox, clock):
    service.send_code(PHONE)
    clock.advance(299)
    assert service.verify(PHONE, last_code(outbox)).status == "verified"


def test_resend_before_sixty_seconds_is_too_soon(service, outbox, clock):
    service.send_code(PHONE)
    first = last_code(outbox)
    clock.advance(20)
    too_soon = service.send_code(PHONE)
    assert too_soon.status == "too_soon"
    assert too_soon.retry_after_seconds == 40
    assert "40 giây" in too_soon.message
    assert len(outbox_records(outbox)) == 1  # no SMS was sent

    clock.advance(40)
    assert service.send_code(PHONE).status == "sent"
    second = last_code(outbox)
    if second != first:  # only the newest code counts
        assert service.verify(PHONE, first).status == "wrong"
    assert service.verify(PHONE, second).status == "verified"


def test_sixth_code_within_an_hour_is_rate_limited(service, outbox, clock):
    for _ in range(5):
        assert service.send_code(PHONE).status == "sent"
        clock.advance(61)
    limited = service.send_code(PHONE)  # at 305 s
    assert limited.status == "rate_limited"
    assert limited.retry_after_seconds == 3600 - 305
    assert "55 phút" in limited.message
    assert len(outbox_records(outbox)) == 5

    assert service.send_code(OTHER_PHONE).status == "sent"  # the limit is per phone

    clock.advance(3600 - 305)  # the first code leaves the rolling hour
    assert service.send_code(PHONE).status == "sent"


def test_codes_typed_with_spaces_are_accepted(service, outbox, clock):
    service.send_code(PHONE)
    code = last_code(outbox)
    assert service.verify(PHONE, f" {code[:3]} {code[3:]} ").status == "verified"

    clock.advance(60)
    service.send_code(PHONE)
    code = last_code(outbox)
    assert service.verify(PHONE, "-".join([code[:3], code[3:]])).status == "verified"


def test_phone_formats_are_the_same_phone(service, outbox):
    assert service.send_code("+84 912 345 678").status == "sent"
    assert outbox_records(outbox)[0]["phone"] == PHONE
    assert service.verify("091.234.5678", last_code(outbox)).status == "verified"
    assert phone_hash(SECRET, "+84912345678") == phone_hash(SECRET, PHONE) == service.phone_hash(PHONE)


def test_a_code_only_works_for_its_phone(service, outbox):
    service.send_code(PHONE)
    service.send_code(OTHER_PHONE)
    code, other = last_code(outbox, PHONE), last_code(outbox, OTHER_PHONE)
    if code != other:
        assert service.verify(OTHER_PHONE, code).status == "wrong"
    assert service.verify(PHONE, code).status == "verified"
    assert service.verify(OTHER_PHONE, other).status == "verified"


def test_no_code_when_none_was_sent(service):
    result = service.verify(PHONE, "123456")
    assert result.status == "no_code"
    assert result.message
    assert service.verify("not a phone", "123456").status == "no_code"


def test_send_code_refuses_an_invalid_phone(service):
    with pytest.raises(ValueError):
        service.send_code("12345")


def test_code_is_stored_before_the_sms_is_sent(database_url, clock):
    """A citizen fast enough to type the code while the SMS is still on its way gets verified."""
    results = []

    class QuickCitizen:
        def send(self, phone: str, text: str) -> None:
            results.append(service.verify(phone, re.search(r"\d{6}", text).group(0)).status)

    service = OtpService(session_factory(database_url), QuickCitizen(), SECRET, clock=clock)
    assert service.send_code(PHONE).status == "sent"
    assert results == ["verified"]


def test_failed_sms_voids_the_code(database_url, outbox, clock):
    texts: list[str] = []

    class FlakyGateway:
        def __init__(self) -> None:
            self.outbox = OutboxSmsProvider(outbox)
            self.fail = True

        def send(self, phone: str, text: str) -> None:
            texts.append(text)
            if self.fail:
                raise SmsError("SMS gateway answered HTTP 503")
            self.outbox.send(phone, text)

    gateway = FlakyGateway()
    service = OtpService(session_factory(database_url), gateway, SECRET, clock=clock)
    failed = service.send_code(PHONE)
    assert failed.status == "sms_failed"
    assert "chưa gửi được" in failed.message
    (row,) = stored_codes(database_url)
    assert row.consumed_at is not None
    lost_code = re.search(r"\d{6}", texts[0]).group(0)
    assert service.verify(PHONE, lost_code).status == "no_code"

    gateway.fail = False
    clock.advance(1)  # no resend delay after a failed SMS
    assert service.send_code(PHONE).status == "sent"
    assert service.verify(PHONE, last_code(outbox)).status == "verified"


def test_concurrent_wrong_tries_cannot_pass_the_limit(service, outbox, database_url):
    service.send_code(PHONE)
    code = last_code(outbox)
    results: list[str] = []
    barrier = threading.Barrier(12)

    def guess() -> None:
        barrier.wait()
        results.append(service.verify(PHONE, a_wrong_code(code)).status)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["too_many_attempts"] * 8 + ["wrong"] * 4
    (row,) = stored_codes(database_url)
    assert row.attempts == 5
    assert service.verify(PHONE, code).status == "too_many_attempts"


def test_concurrent_right_tries_verify_once(service, outbox):
    service.send_code(PHONE)
    code = last_code(outbox)
    results: list[str] = []
    barrier = threading.Barrier(6)

    def confirm() -> None:
        barrier.wait()
        results.append(service.verify(PHONE, code).status)

    threads = [threading.Thread(target=confirm) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["no_code"] * 5 + ["verified"]


def test_limits_are_configurable(database_url, outbox, clock):
    config = OtpConfig(ttl_seconds=120, max_attempts=2, resend_after_seconds=10, max_codes_per_hour=3)
    service = OtpService(
        session_factory(database_url), OutboxSmsProvider(outbox), SECRET, config=config, clock=clock
    )
    sent = service.send_code(PHONE)
    assert "2 phút" in sent.message
    assert "trong 2 phut" in outbox_records(outbox)[0]["text"]
    code = last_code(outbox)
    assert service.verify(PHONE, a_wrong_code(code)).attempts_left == 1
    assert service.verify(PHONE, a_wrong_code(code)).status == "too_many_attempts"
    clock.advance(5)
    assert service.send_code(PHONE).status == "sent"
    assert service.send_code(PHONE).retry_after_seconds == 10
    clock.advance(10)
    assert service.send_code(PHONE).status == "sent"
    clock.advance(10)
    limited = service.send_code(PHONE)
    assert limited.status == "rate_limited"
    assert "3 mã" in limited.message
    clock.advance(3600)
    service.send_code(PHONE)
    clock.advance(120)
    assert service.verify(PHONE, last_code(outbox)).status == "expired"
    with pytest.raises(ValueError):
        OtpConfig(max_attempts=0)


def test_old_codes_are_purged(service, outbox, clock, database_url):
    service.send_code(PHONE)
    clock.advance(2 * 86400)
    assert service.purge_old_codes() == 1
    assert stored_codes(database_url) == []
    service.send_code(PHONE)
    clock.advance(2 * 86400)
    service.send_code(OTHER_PHONE)  # sending also clears codes older than a day
    assert [row.phone_hash for row in stored_codes(database_url)] == [phone_hash(SECRET, OTHER_PHONE)]


def test_sqlite_naive_datetimes_are_read_as_utc(service, outbox, database_url):
    service.send_code(PHONE)
    (row,) = stored_codes(database_url)
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
    assert created == START
    assert row.expires_at.replace(tzinfo=timezone.utc) - created == timedelta(minutes=5)


def test_clock_in_another_timezone_is_converted(database_url, outbox):
    local = timezone(timedelta(hours=7))
    moments = iter([START.astimezone(local), START.astimezone(local) + timedelta(seconds=100)])
    service = OtpService(
        session_factory(database_url), OutboxSmsProvider(outbox), SECRET, clock=lambda: next(moments)
    )
    service.send_code(PHONE)
    assert service.verify(PHONE, last_code(outbox)).status == "verified"


# -- personal data -------------------------------------------------------------------------------------


def test_database_holds_no_phone_or_code_in_clear(service, outbox, clock, database_url, tmp_path):
    codes = []
    for phone in (PHONE, OTHER_PHONE):
        service.send_code(phone)
        codes.append(last_code(outbox, phone))
    service.verify(PHONE, a_wrong_code(codes[0]))
    service.verify(OTHER_PHONE, codes[1])

    database = sqlite3.connect(tmp_path / "dvc.db")
    try:
        tables = [name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert "otp_codes" in tables
        values = [
            str(value)
            for table in tables
            for row in database.execute(f'SELECT * FROM "{table}"')
            for value in row
            if value is not None
        ]
    finally:
        database.close()
    assert values
    forbidden = [*codes, PHONE, OTHER_PHONE, "912345678", "987654321", "84912345678", "84987654321"]
    leaks = [(secret, value) for secret in forbidden for value in values if secret in value]
    assert leaks == []

    rows = stored_codes(database_url)
    assert {row.phone_hash for row in rows} == {phone_hash(SECRET, PHONE), phone_hash(SECRET, OTHER_PHONE)}
    assert all(re.fullmatch(r"[0-9a-f]{64}", row.code_hash) for row in rows)


def test_logs_hold_no_phone_or_code(service, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    service.send_code(PHONE)
    code = last_code(outbox)
    service.verify(PHONE, a_wrong_code(code))
    service.verify(PHONE, code)
    assert caplog.records
    for secret in (PHONE, "912345678", code, SECRET.decode()):
        assert secret not in caplog.text


def test_hash_depends_on_the_secret():
    assert phone_hash(SECRET, PHONE) != phone_hash(b"another-secret-0123456789abcdefgh", PHONE)
    assert re.fullmatch(r"[0-9a-f]{64}", phone_hash(SECRET, PHONE))


def test_phone_masking_shows_only_the_end():
    assert mask_phone("0912345678") == "09xx xxx 678"
    assert mask_phone("0987654321") == "09xx xxx 321"


# -- the secret ----------------------------------------------------------------------------------------


@pytest.fixture
def secret_env(monkeypatch, tmp_path) -> pytest.MonkeyPatch:
    monkeypatch.delenv("DVC_OTP_SECRET", raising=False)
    monkeypatch.delenv("DVC_SMS_PROVIDER", raising=False)
    monkeypatch.setenv("DVC_VAR_DIR", str(tmp_path / "var"))
    return monkeypatch


def test_secret_from_env_hex_or_text(secret_env):
    secret_env.setenv("DVC_OTP_SECRET", "ab" * 32)
    assert otp_secret(load_settings()) == bytes.fromhex("ab" * 32)
    secret_env.setenv("DVC_OTP_SECRET", "a long passphrase of thirty-two characters!")
    assert otp_secret(load_settings()) == b"a long passphrase of thirty-two characters!"
    secret_env.setenv("DVC_OTP_SECRET", "too-short")
    with pytest.raises(ValueError, match="DVC_OTP_SECRET"):
        otp_secret(load_settings())


def test_development_secret_is_generated_once_and_kept(secret_env, tmp_path):
    first = otp_secret(load_settings())
    path = tmp_path / "var" / "otp_secret"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert otp_secret(load_settings()) == first  # a restart keeps it
    assert [entry.name for entry in path.parent.iterdir()] == ["otp_secret"]  # no temporary file left


def test_production_requires_the_secret(secret_env):
    secret_env.setenv("DVC_SMS_PROVIDER", "http")
    for name in ("DVC_SMS_HTTP_URL", "DVC_SMS_HTTP_TOKEN", "DVC_SMS_BRANDNAME"):
        secret_env.setenv(name, "set")
    with pytest.raises(ValueError, match="DVC_OTP_SECRET"):
        otp_secret(load_settings())


# -- schema --------------------------------------------------------------------------------------------


def test_the_otp_migrations_match_the_models(database_url):
    engine = session_factory(database_url)().get_bind()
    inspector = inspect(engine)
    assert "otp_codes" in inspector.get_table_names()
    indexed = sorted(index["column_names"] for index in inspector.get_indexes("otp_codes"))
    assert indexed == [["phone_hash"], ["requester_hash"]]
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migration_0002_downgrades_and_upgrades(database_url):
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    command.downgrade(config, "0001_initial")
    engine = session_factory(database_url)().get_bind()
    assert "otp_codes" not in inspect(engine).get_table_names()
    command.upgrade(config, "head")
    assert "otp_codes" in inspect(engine).get_table_names()


def test_one_conversation_cannot_have_codes_sent_to_phone_after_phone(service, outbox, clock, database_url):
    """Each phone is under its own limit, but one conversation asking for codes to many phones (an SMS
    bill for the commune, messages to strangers) is stopped at the conversation's hourly limit."""
    chat = service.for_conversation("telegram", "4242")
    phones = [f"09123450{n:02d}" for n in range(11)]
    results = []
    for phone in phones:
        results.append(chat.send_code(phone))
        clock.advance(61)
    assert [result.status for result in results] == ["sent"] * 10 + ["rate_limited"]
    assert results[-1].message.startswith("Dạ, cuộc trò chuyện này đã yêu cầu 10 mã xác thực")
    assert len(outbox_records(outbox)) == 10
    other = service.for_conversation("telegram", "4343")
    assert other.send_code(phones[-1]).status == "sent"  # another conversation, the same phone: allowed
    clock.advance(3600 - 10 * 61 + 1)  # the first of the ten is more than an hour old
    assert chat.send_code(phones[0]).status == "sent"
    requesters = {code.requester_hash for code in stored_codes(database_url)}
    assert len(requesters) == 2 and all(len(h) == 64 and "4242" not in h for h in requesters)  # keyed hashes
