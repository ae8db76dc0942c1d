"""Fault injection for the crash tests (tests/integration/test_faults.py): named points in the code where a
test can make the process die, or its database connection fail, at exactly that moment.

A no-op unless DVC_FAULT_FILE is set, which only the test stack does (`Settings.fault_file`; refused with
DVC_PROFILE=production). A test arms one point by writing "<point> <action>" to that file; the first process
that reaches the point takes the file (renames it, so the fault fires once) and acts:

- kill:  SIGKILL itself, as a power cut or the OOM killer would (no cleanup, no rollback code runs);
- error: raise OperationalError, as when the database connection is cut (the transaction rolls back, or,
         after a commit, the caller never hears that it succeeded);
- pause: write "<file>.reached" and wait (at most PAUSE_SECONDS) until the test deletes it, so that the test
         can kill another process at that moment.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from sqlalchemy.exc import OperationalError

from bot.settings import PRODUCTION, Settings

# Every point, and the moment it stands for.
POINTS = {
    "otp.after_verify": "the OTP code is consumed (committed); the citizen has not been answered",
    "submission.before_commit": "the dossier, its timeline and answers are written, not yet committed",
    "submission.after_commit": "the dossier is committed; the receipt has not reached the citizen",
    "payment.before_commit": "the IPN's payment, fee_paid event and receipt are written, not yet committed",
    "payment.after_commit": "the IPN's payment is committed; VNPay has not been answered",
    "notification.before_reply": "the action has the update's text; Rasa has not received it",
    "delivery.after_trigger": "Rasa ran the update in the conversation; the back-office has not recorded it",
}
KILL, ERROR, PAUSE = "kill", "error", "pause"
PAUSE_SECONDS = 60.0

_file: Path | None = None


def configure(settings: Settings) -> None:
    """Called once per process by the composition root (bot.services); never armed in production."""
    global _file
    _file = settings.fault_file if settings.profile != PRODUCTION else None


def point(name: str) -> None:
    """The code has reached `name` (one of POINTS): act if a test armed it, else nothing."""
    if _file is None:
        return
    if name not in POINTS:
        raise ValueError(f"unknown fault point {name!r}")
    try:
        armed_point, _, action = _file.read_text(encoding="utf-8").strip().partition(" ")
    except FileNotFoundError:
        return
    if armed_point != name:
        return
    try:  # whoever renames the file owns the fault: it fires once, in one process
        os.replace(_file, _file.with_name(f"{_file.name}.fired"))
    except FileNotFoundError:
        return
    if action == KILL:
        os.kill(os.getpid(), signal.SIGKILL)
    if action == ERROR:
        raise OperationalError(f"fault injected at {name}", None, ConnectionError("database connection lost"))
    if action == PAUSE:
        reached = _file.with_name(f"{_file.name}.reached")
        reached.write_text(name, encoding="utf-8")
        deadline = time.monotonic() + PAUSE_SECONDS
        while reached.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
