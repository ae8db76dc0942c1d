"""DVC_PROFILE=production refuses to start with what is only fit for development, and says which."""

from __future__ import annotations

import dataclasses

import pytest

from bot.services import Services
from bot.settings import exit_if_refused, load_settings, refusals
from tests.unit.conftest import run_app

PRODUCTION_ENV = {
    "DVC_PROFILE": "production",
    "DVC_OTP_SECRET": "k" * 40,
    "RASA_AUTH_TOKEN": "r" * 40,
    "DVC_SMS_PROVIDER": "http",
    "DVC_SMS_HTTP_URL": "https://sms.example.vn/api/send",
    "DVC_SMS_HTTP_TOKEN": "gateway-token",
    "DVC_SMS_BRANDNAME": "UBND-TANPHU",
    "DVC_CORS_ORIGINS": "https://tanphu.gov.vn",
    "RASA_CORS_ORIGINS": "https://tanphu.gov.vn",
}
DEVELOPMENT_ONLY = (
    "DVC_DEMO_PASSWORD",
    "DVC_DEMO_SKIP_PASSWORD_CHANGE",
    "DVC_DEV_PAYMENT_GATEWAY",
    "DVC_FAULT_FILE",
    "DVC_CLOCK_OFFSET_FILE",
    "TELEGRAM_BOT_TOKEN",
    "ZALO_APP_ID",
    "VNPAY_TMN_CODE",
)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in DEVELOPMENT_ONLY:
        monkeypatch.delenv(name, raising=False)
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_a_complete_production_configuration_starts(production):
    assert refusals(load_settings()) == []
    exit_if_refused(load_settings())  # no SystemExit


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("DVC_OTP_SECRET", "", "DVC_OTP_SECRET"),
        ("RASA_AUTH_TOKEN", "change-me", "RASA_AUTH_TOKEN"),  # the value .env.example publishes
        ("RASA_AUTH_TOKEN", "short-token", "RASA_AUTH_TOKEN"),
        ("DVC_DEMO_PASSWORD", "demo-TanPhu-2026", "DVC_DEMO_PASSWORD"),
        ("DVC_CORS_ORIGINS", "*", "DVC_CORS_ORIGINS"),
        ("RASA_CORS_ORIGINS", "*", "RASA_CORS_ORIGINS"),
        ("DVC_SMS_PROVIDER", "outbox", "DVC_SMS_PROVIDER"),
        ("DVC_DEV_PAYMENT_GATEWAY", "1", "DVC_DEV_PAYMENT_GATEWAY"),
        ("DVC_DEMO_SKIP_PASSWORD_CHANGE", "1", "DVC_DEMO_SKIP_PASSWORD_CHANGE"),
        ("DVC_FAULT_FILE", "/tmp/faults", "DVC_FAULT_FILE"),
        ("TELEGRAM_BOT_TOKEN", "123:abc", "TELEGRAM_SECRET_TOKEN"),  # a channel without its webhook secret
        ("ZALO_APP_ID", "4300000000000000001", "ZALO_OA_SECRET_KEY"),
        ("VNPAY_TMN_CODE", "TANPHU01", "VNPAY_HASH_SECRET"),
    ],
)
def test_each_development_setting_is_refused_by_name(production, variable, value, named):
    production.setenv(variable, value)
    problems = refusals(load_settings())
    assert len([problem for problem in problems if named in problem]) == 1, problems
    with pytest.raises(SystemExit) as stopped:
        exit_if_refused(load_settings())
    assert named in str(stopped.value)


def test_development_accepts_the_defaults(monkeypatch):
    monkeypatch.setenv("DVC_PROFILE", "development")
    monkeypatch.setenv("DVC_CORS_ORIGINS", "*")
    monkeypatch.setenv("DVC_DEMO_PASSWORD", "demo-TanPhu-2026")
    assert refusals(load_settings()) == []


def test_the_widget_routes_answer_only_the_listed_sites(blank_services):
    blank_services.settings = dataclasses.replace(
        blank_services.settings, cors_origins=("https://tanphu.gov.vn",)
    )

    async def scenario(client):
        answers = {}
        for origin in ("https://tanphu.gov.vn", "https://elsewhere.example"):
            preflight = await client.options("/api/uploads", headers={"Origin": origin})
            updates = await client.get(
                "/webchat/updates?sender=conversation-1&after=0", headers={"Origin": origin}
            )
            answers[origin] = (
                preflight.headers.get("Access-Control-Allow-Origin"),
                updates.headers.get("Access-Control-Allow-Origin"),
                updates.status,
            )
        return answers

    answers = run_app(blank_services, scenario)
    assert answers["https://tanphu.gov.vn"] == ("https://tanphu.gov.vn", "https://tanphu.gov.vn", 200)
    assert answers["https://elsewhere.example"] == (None, None, 200)  # the browser keeps the answer from it


def test_replicas_with_their_own_var_directory_share_uploads_through_the_storage_directory(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("DVC_STORAGE_DIR", str(tmp_path / "shared"))
    replicas = []
    for name in ("one", "two"):
        settings = dataclasses.replace(load_settings(), var_dir=tmp_path / name)
        replicas.append(Services(settings))
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    saved = replicas[0].attachments.save("giay-khai-sinh.png", png)
    found = replicas[1].attachments.get(saved.upload_id)
    assert found is not None and found.filename == "giay-khai-sinh.png"
    assert not (tmp_path / "one" / "attachments").exists()
