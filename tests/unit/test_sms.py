"""SMS providers: the development outbox (JSONL) and the HTTP brandname gateway, and their configuration."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.sms import (
    HttpSmsProvider,
    OutboxSmsProvider,
    SmsError,
    international_phone,
    normalize_phone,
    sms_provider,
)
from devtools.fakes.sms_gateway import Gateway

TEXT = "DVC: Ma xac thuc cua ban la 123456. Ma co hieu luc trong 5 phut. Khong chia se ma nay cho bat ky ai."


# -- phone numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["0912345678", "091 234 5678", "091.234.5678", "0912-345-678", "+84 912 345 678", "84912345678"]
)
def test_phone_numbers_are_normalised_to_the_national_form(typed):
    assert normalize_phone(typed) == "0912345678"
    assert international_phone(typed) == "84912345678"


@pytest.mark.parametrize("typed", ["", "12345", "0281234567", "0123456789", "+1 202 555 0143", "abc"])
def test_non_mobile_or_foreign_numbers_are_refused(typed):
    with pytest.raises(ValueError):
        normalize_phone(typed)


# -- outbox ----------------------------------------------------------------------------------------------


def test_outbox_writes_one_json_line_per_sms(tmp_path):
    path = tmp_path / "nested" / "var" / "sms_outbox.jsonl"  # the folder does not exist yet
    provider = OutboxSmsProvider(path)
    before = datetime.now(timezone.utc)
    provider.send("0912345678", TEXT)
    provider.send("0987654321", "Hồ sơ của anh/chị đã được tiếp nhận.")

    raw = path.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    lines = raw.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"phone", "text", "sent_at"}
    assert first["phone"] == "0912345678"
    assert first["text"] == TEXT
    sent_at = datetime.fromisoformat(first["sent_at"])
    assert sent_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= sent_at <= datetime.now(timezone.utc) + timedelta(seconds=1)
    assert "Hồ sơ của anh/chị đã được tiếp nhận." in lines[1]  # ensure_ascii=False: readable Vietnamese
    assert second["text"] == "Hồ sơ của anh/chị đã được tiếp nhận."
    assert path.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only


def test_outbox_default_path_is_in_the_var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DVC_VAR_DIR", str(tmp_path / "var"))
    provider = sms_provider(load_settings())
    assert provider.path == tmp_path / "var" / "sms_outbox.jsonl"
    provider.send("0912345678", TEXT)
    assert json.loads((tmp_path / "var" / "sms_outbox.jsonl").read_text(encoding="utf-8"))["text"] == TEXT


def test_outbox_concurrent_writers_never_mix_lines(tmp_path):
    path = tmp_path / "sms_outbox.jsonl"
    long_text = "Thông báo " * 400  # several kilobytes: longer than one buffer
    providers = [OutboxSmsProvider(path), OutboxSmsProvider(path)]  # two instances, same file

    def write(index: int) -> None:
        for number in range(25):
            providers[index % 2].send(f"09{index:02d}{number:06d}", f"{index}-{number} {long_text}")

    threads = [threading.Thread(target=write, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 8 * 25
    assert {record["text"].split(" ", 1)[0] for record in records} == {
        f"{index}-{number}" for index in range(8) for number in range(25)
    }


def test_outbox_failure_is_an_sms_error_without_personal_data(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(SmsError) as raised:
        OutboxSmsProvider(blocker / "sms_outbox.jsonl").send("0912345678", TEXT)
    assert "0912345678" not in str(raised.value)
    assert "123456" not in str(raised.value)


# -- HTTP gateway ----------------------------------------------------------------------------------------


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with Gateway() as running:
        yield running


def test_http_provider_posts_json_with_a_bearer_token(gateway):
    HttpSmsProvider(gateway.url, "s3cret-token", "UBND-TANPHU").send("0912 345 678", TEXT)

    (request,) = gateway.requests
    assert request["method"] == "POST"
    assert request["path"] == "/api/sms/send"
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert headers["authorization"] == "Bearer s3cret-token"
    assert headers["content-type"].startswith("application/json")
    assert json.loads(request["body"].decode("utf-8")) == {
        "to": "84912345678",
        "brandname": "UBND-TANPHU",
        "message": TEXT,
    }


def test_http_provider_sends_vietnamese_text_as_utf8(gateway):
    HttpSmsProvider(gateway.url, "t", "DVC").send("0912345678", "Mã xác thực: 123456")
    assert json.loads(gateway.requests[0]["body"].decode("utf-8"))["message"] == "Mã xác thực: 123456"


def test_http_provider_raises_on_a_server_error_without_personal_data(gateway):
    gateway.status = 500
    with pytest.raises(SmsError) as raised:
        HttpSmsProvider(gateway.url, "s3cret-token", "DVC").send("0912345678", TEXT)
    message = str(raised.value)
    assert "500" in message
    for secret in ("0912345678", "84912345678", "123456", "s3cret-token"):
        assert secret not in message
    assert len(gateway.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 502])
def test_http_provider_raises_on_any_non_2xx(gateway, status):
    gateway.status = status
    with pytest.raises(SmsError, match=str(status)):
        HttpSmsProvider(gateway.url, "t", "DVC").send("0912345678", TEXT)


def test_http_provider_accepts_any_2xx(gateway):
    gateway.status = 202
    HttpSmsProvider(gateway.url, "t", "DVC").send("0912345678", TEXT)


def test_http_provider_raises_when_the_gateway_is_unreachable():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SmsError) as raised:
        HttpSmsProvider(f"http://127.0.0.1:{port}/send", "t", "DVC").send("0912345678", TEXT)
    assert "0912345678" not in str(raised.value)


def test_http_provider_times_out(gateway):
    gateway.delay = 1.0
    with pytest.raises(SmsError):
        HttpSmsProvider(gateway.url, "t", "DVC", timeout=0.2).send("0912345678", TEXT)


def test_http_provider_refuses_an_invalid_number_without_calling(gateway):
    with pytest.raises(SmsError):
        HttpSmsProvider(gateway.url, "t", "DVC").send("12345", TEXT)
    assert gateway.requests == []


def test_http_provider_default_timeout_is_ten_seconds_and_repr_hides_the_token():
    provider = HttpSmsProvider("https://sms.example.vn/send", "s3cret-token", "DVC")
    assert provider.timeout == 10
    assert "s3cret-token" not in repr(provider)


# -- configuration ---------------------------------------------------------------------------------------

HTTP_VARIABLES = {
    "DVC_SMS_HTTP_URL": "https://sms.example.vn/api/send",
    "DVC_SMS_HTTP_TOKEN": "token-123",
    "DVC_SMS_BRANDNAME": "UBND-TANPHU",
}


@pytest.fixture
def clean_env(monkeypatch, tmp_path) -> pytest.MonkeyPatch:
    for name in ("DVC_SMS_PROVIDER", *HTTP_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DVC_VAR_DIR", str(tmp_path / "var"))
    return monkeypatch


def test_outbox_is_the_default_provider(clean_env, tmp_path):
    provider = sms_provider(load_settings())
    assert isinstance(provider, OutboxSmsProvider)
    assert provider.path == tmp_path / "var" / "sms_outbox.jsonl"
    clean_env.setenv("DVC_SMS_PROVIDER", "outbox")
    assert isinstance(sms_provider(load_settings()), OutboxSmsProvider)


def test_http_provider_from_env(clean_env):
    clean_env.setenv("DVC_SMS_PROVIDER", "http")
    for name, value in HTTP_VARIABLES.items():
        clean_env.setenv(name, value)
    provider = sms_provider(load_settings())
    assert isinstance(provider, HttpSmsProvider)
    assert (provider.url, provider.brandname) == ("https://sms.example.vn/api/send", "UBND-TANPHU")


@pytest.mark.parametrize("missing", sorted(HTTP_VARIABLES))
def test_http_provider_names_the_missing_variable(clean_env, missing):
    clean_env.setenv("DVC_SMS_PROVIDER", "http")
    for name, value in HTTP_VARIABLES.items():
        if name != missing:
            clean_env.setenv(name, value)
    with pytest.raises(ValueError, match=missing):
        sms_provider(load_settings())
    clean_env.setenv(missing, "   ")  # blank counts as missing
    with pytest.raises(ValueError, match=missing):
        sms_provider(load_settings())


def test_unknown_provider_is_refused(clean_env):
    clean_env.setenv("DVC_SMS_PROVIDER", "carrier-pigeon")
    with pytest.raises(ValueError, match="DVC_SMS_PROVIDER"):
        sms_provider(load_settings())


def test_outbox_path_type(tmp_path):
    assert isinstance(OutboxSmsProvider(str(tmp_path / "o.jsonl")).path, Path)
