"""Benchmark of the chat channels' webhooks under concurrent senders, against the local fake platforms.

Zalo: how fast the webhook acknowledges an event (Zalo wants 200 within 2 s) and how long until the reply
reaches the (fake) OA API. Telegram: its webhook answers after the turn, so the time is the whole turn."""

from __future__ import annotations

import itertools
import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from devtools.fakes import TELEGRAM_SECRET, ZALO_OA_SECRET
from devtools.fakes.telegram_bot_api import FakeTelegram, text_update
from devtools.fakes.zalo_oa_api import FakeZalo, signed, text_event
from devtools.services import Services

SENDERS = 20
EVENTS_PER_SENDER = 5
_ids = itertools.count(5_000_000)


def _post(url: str, body: bytes, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=60) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def _concurrently(work) -> list[float]:
    with ThreadPoolExecutor(SENDERS) as pool:
        return [sample for samples in pool.map(work, range(SENDERS)) for sample in samples]


def zalo_webhook(services: Services, zalo: FakeZalo, percentiles) -> dict[str, object]:
    url = f"{services.rasa_url}/webhooks/zalo/webhook"
    replied: list[float] = []

    def sender(index: int) -> list[float]:
        user = f"99{index:04d}{next(_ids)}"
        samples = []
        for _ in range(EVENTS_PER_SENDER):
            before = len(zalo.texts_to(user))
            started = time.perf_counter()
            samples.append(
                _post(
                    url,
                    *signed(
                        text_event(zalo.app_id, user, "xin chào", f"b{next(_ids)}"),
                        zalo.app_id,
                        ZALO_OA_SECRET,
                    ),
                )
            )
            while len(zalo.texts_to(user)) == before and time.perf_counter() - started < 60:
                time.sleep(0.01)
            replied.append((time.perf_counter() - started) * 1000)
        return samples

    acknowledged = _concurrently(sender)
    return {
        f"acknowledgement_ms_{SENDERS}_concurrent_senders": percentiles(acknowledged),
        "event_to_reply_at_zalo_ms": percentiles(replied),
    }


def telegram_webhook(services: Services, telegram: FakeTelegram, percentiles) -> dict[str, object]:
    url = f"{services.rasa_url}/webhooks/telegram/webhook"
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}

    def sender(index: int) -> list[float]:
        user = 9_000_000 + index * 1000 + next(_ids) % 1000
        return [
            _post(url, json.dumps(text_update(next(_ids), user, "xin chào")).encode(), headers)
            for _ in range(EVENTS_PER_SENDER)
        ]

    return {f"webhook_turn_ms_{SENDERS}_concurrent_senders": percentiles(_concurrently(sender))}
