"""One status line per chat channel for /healthz: configured or not, messages waiting, last update seen."""

from __future__ import annotations

from typing import Any

from bot.channels.queue import FAILED, HELD, PENDING, ChannelQueue
from bot.channels.records import UpdateLog
from bot.settings import Settings

DELAYED_AFTER_SECONDS = 300  # a message unsent for this long means the platform or our token has a problem


def channel_health(settings: Settings, queue: ChannelQueue, updates: UpdateLog) -> dict[str, dict[str, Any]]:
    report: dict[str, dict[str, Any]] = {}
    for name, enabled in (("telegram", settings.telegram.enabled), ("zalo", settings.zalo.enabled)):
        if not enabled:
            report[name] = {"status": "disabled"}
            continue
        counts = queue.statistics(name)
        last = updates.last_received(name)
        report[name] = {
            "status": "delayed" if counts["oldest_pending_seconds"] > DELAYED_AFTER_SECONDS else "ok",
            "waiting": counts[PENDING],
            "held_until_citizen_writes": counts[HELD],
            "failed": counts[FAILED],
            "oldest_waiting_seconds": counts["oldest_pending_seconds"],
            "last_update_received_at": last.isoformat() if last else None,
        }
    return report
