"""A clock the test stack can move forward instead of sleeping: UTC now plus the seconds in a file.

Only the test stack sets DVC_CLOCK_OFFSET_FILE (devtools/services.py `advance_clock`); its processes then
agree that, say, 9 seconds have passed, and an OTP code expires at once. The file is read at every reading of
the clock, so the test and the processes need no other channel. With DVC_PROFILE=production the setting is
refused at start-up (bot/settings.py `refusals`) and ignored here as well: a production server keeps the
real time whatever file or variable it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.settings import PRODUCTION, Settings

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class OffsetClock:
    def __init__(self, path: Path) -> None:
        self.path = path

    def offset_seconds(self) -> float:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return 0.0
        return float(text) if text else 0.0

    def __call__(self) -> datetime:
        return utc_now() + timedelta(seconds=self.offset_seconds())


def clock_for(settings: Settings) -> Clock:
    """The real clock, unless the test stack asked for an offset one (never in production)."""
    if settings.clock_offset_file is None or settings.profile == PRODUCTION:
        return utc_now
    return OffsetClock(settings.clock_offset_file)
