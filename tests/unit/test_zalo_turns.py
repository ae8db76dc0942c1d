"""Zalo events are acknowledged at once and their turns run in the background, in order per citizen."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from bot.services import Services
from bot.settings import ZaloSettings, load_settings
from connectors.zalo import ZaloRuntime
from devtools.fakes.zalo_oa_api import signed, text_event

APP_ID = "4300000000000000001"


def runtime(tmp_path) -> ZaloRuntime:
    settings = replace(
        load_settings(),
        database_url=f"sqlite:///{tmp_path / 'dvc.db'}",
        var_dir=tmp_path,
        zalo=ZaloSettings(app_id=APP_ID, oa_secret_key="oa", access_token="at", refresh_token="rt"),
    )
    return ZaloRuntime(Services(settings))


def test_events_are_acknowledged_at_once_and_processed_in_order_per_citizen(tmp_path):
    zalo = runtime(tmp_path)
    seen: list[tuple[str, str]] = []

    async def slow_turn(message) -> None:
        await asyncio.sleep(0.3 if message.text == "một" else 0.01)
        seen.append((message.sender_id, message.text))

    async def scenario() -> float:
        started = time.perf_counter()
        for number, (user, text) in enumerate([("a", "một"), ("b", "xin chào"), ("a", "hai"), ("a", "ba")]):
            raw, headers = signed(text_event(APP_ID, user, text, f"m{number}"), APP_ID, "oa")
            status, event = zalo.check(raw, headers["X-ZEvent-Signature"])
            assert status == 200
            await zalo.accept(event, slow_turn)
        acknowledged = time.perf_counter() - started
        await asyncio.sleep(1)
        return acknowledged

    acknowledged = asyncio.run(scenario())
    assert acknowledged < 0.3  # all four acknowledged before the first (slow) turn ended
    assert [text for user, text in seen if user == "a"] == ["một", "hai", "ba"]
    assert seen[0] == ("b", "xin chào")  # another citizen does not wait behind a slow turn


def test_a_duplicate_an_unsigned_a_foreign_and_an_old_event_are_not_processed(tmp_path):
    zalo = runtime(tmp_path)
    raw, headers = signed(text_event(APP_ID, "a", "xin chào", "m1"), APP_ID, "oa")
    assert zalo.check(raw, None)[0] == 403
    assert zalo.check(raw, "mac=" + "0" * 64)[0] == 403
    foreign, foreign_headers = signed(text_event("999", "a", "xin chào", "m2"), "999", "oa")
    assert zalo.check(foreign, foreign_headers["X-ZEvent-Signature"])[0] == 403
    old, old_headers = signed(
        text_event(APP_ID, "a", "x", "m3", timestamp_ms=int(time.time() * 1000) - 600_000), APP_ID, "oa"
    )
    assert zalo.check(old, old_headers["X-ZEvent-Signature"])[0] == 403
    seen: list[str] = []

    async def turn(message) -> None:
        seen.append(message.text)

    async def scenario() -> None:
        _, event = zalo.check(raw, headers["X-ZEvent-Signature"])
        await zalo.accept(event, turn)
        await zalo.accept(event, turn)
        await asyncio.sleep(0.3)

    asyncio.run(scenario())
    assert seen == ["xin chào"]
