"""The test stack's movable clock (DVC_CLOCK_OFFSET_FILE) and the delivery rounds that tests wait on.

The clock lets integration tests see an OTP code expire without sleeping; production cannot be made to use it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta, timezone

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from backoffice.app import create_app
from bot.db.models import Dossier
from bot.forms.sample_answers import latest_otp
from bot.notifications.outbox import notification_for
from bot.offset_clock import OffsetClock, clock_for, utc_now
from bot.otp.service import OtpService
from bot.services import Services
from bot.settings import PRODUCTION, load_settings, refusals

PHONE = "0912345678"


def test_the_clock_runs_ahead_by_what_the_file_says_read_at_every_call(tmp_path):
    clock = OffsetClock(tmp_path / "clock_offset")
    assert abs(clock() - datetime.now(timezone.utc)) < timedelta(seconds=1)  # no file: the real time
    (tmp_path / "clock_offset").write_text("90", encoding="utf-8")
    assert timedelta(seconds=89) < clock() - datetime.now(timezone.utc) < timedelta(seconds=91)


def test_production_refuses_the_setting_and_keeps_the_real_clock(tmp_path, monkeypatch):
    monkeypatch.setenv("DVC_CLOCK_OFFSET_FILE", str(tmp_path / "clock_offset"))
    settings = load_settings()
    assert settings.clock_offset_file == tmp_path / "clock_offset"
    assert isinstance(clock_for(settings), OffsetClock)
    assert not any("DVC_CLOCK_OFFSET_FILE" in problem for problem in refusals(settings))
    production = dataclasses.replace(settings, profile=PRODUCTION)
    assert any("DVC_CLOCK_OFFSET_FILE" in problem for problem in refusals(production))
    assert clock_for(production) is utc_now  # even if a server were started anyway
    monkeypatch.delenv("DVC_CLOCK_OFFSET_FILE")
    assert clock_for(load_settings()) is utc_now


def test_an_otp_code_expires_when_the_file_moves_the_clock_past_its_life(tmp_path, monkeypatch):
    monkeypatch.setenv("DVC_OTP_SECRET", "s" * 40)
    monkeypatch.setenv("DVC_OTP_TTL_SECONDS", "8")
    monkeypatch.setenv("DVC_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DVC_CLOCK_OFFSET_FILE", str(tmp_path / "clock_offset"))
    settings = dataclasses.replace(load_settings(), database_url=f"sqlite:///{tmp_path / 'dvc.db'}")
    otp: OtpService = Services(settings).otp
    assert otp.send_code(PHONE).status == "sent"
    code = latest_otp(tmp_path / "sms_outbox.jsonl", PHONE)
    (tmp_path / "clock_offset").write_text("9", encoding="utf-8")
    assert otp.verify(PHONE, code).status == "expired"


def test_the_health_check_counts_waiting_updates_and_delivery_rounds(app_services):
    """/healthz shows the outbox and the rounds of the delivery loop (tests wait on them, not on seconds)."""
    settings = dataclasses.replace(
        app_services.settings, rasa_internal_url="http://127.0.0.1:9", notification_poll_seconds=0.05
    )
    before = app_services.outbox.waiting()  # the demo commune's own updates, never delivered here
    with app_services.sessions() as session, session.begin():
        dossier = session.execute(select(Dossier)).scalars().first()
        session.add(notification_for(dossier, "Dạ, hồ sơ có cập nhật mới.", datetime.now(timezone.utc)))

    async def scenario() -> tuple[dict, dict]:
        app = create_app(settings, app_services, deliver_notifications=True)
        async with TestClient(TestServer(app)) as client:
            first = await (await client.get("/healthz")).json()
            for _ in range(100):  # Rasa is not there: the loop keeps trying, round after round
                later = await (await client.get("/healthz")).json()
                if later["notifications"]["delivery_rounds"] >= first["notifications"]["delivery_rounds"] + 3:
                    break
                await asyncio.sleep(0.05)
            return first, later

    first, later = asyncio.run(scenario())
    assert first["notifications"]["waiting"] == later["notifications"]["waiting"] == before + 1
    assert later["notifications"]["delivery_rounds"] >= first["notifications"]["delivery_rounds"] + 3
