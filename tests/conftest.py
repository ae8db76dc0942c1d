"""Shared fixtures: the whole stack as real processes (Rasa, actions, back-office) on free ports."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings

from bot.workflow.clock import VIETNAM
from devtools.fakes import channel_env
from devtools.fakes.telegram_bot_api import FakeTelegram
from devtools.fakes.zalo_oa_api import FakeZalo
from devtools.services import MODEL, Ports, Services, post_json

# Property-based tests (hypothesis) and the endpoint fuzz pass: "ci" (the default) keeps `make test` short;
# HYPOTHESIS_PROFILE=soak (`make soak`) tries fifty times as many inputs.
settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)
settings.register_profile(
    "soak", max_examples=5000, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def telegram() -> Iterator[FakeTelegram]:
    """A local server speaking Telegram's Bot API; the Rasa server's Telegram channel talks to it."""
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture(scope="session")
def zalo() -> Iterator[FakeZalo]:
    """A local server speaking Zalo's OA and OAuth APIs; the Rasa server's Zalo channel talks to it."""
    with FakeZalo() as fake:
        yield fake


def duty_days() -> str:
    """Today and the next two days on the commune's clock, whatever day of the week or holiday it is."""
    today = datetime.now(VIETNAM).date()
    return ",".join((today + timedelta(days=offset)).isoformat() for offset in range(3))


# Officers are at their desks all day while the tests run (tests/integration/test_handover.py), without
# touching the working-day calendar that dossiers' time limits follow.
OFFICERS_ON_DUTY = {
    "DVC_OFFICE_HOURS": "00:00-23:59",
    "DVC_OFFICE_SATURDAY": "00:00-23:59",
    "DVC_OFFICE_EXTRA_OPEN_DAYS": duty_days(),
}


@pytest.fixture(scope="session")
def services(
    tmp_path_factory: pytest.TempPathFactory, telegram: FakeTelegram, zalo: FakeZalo
) -> Iterator[Services]:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make test` (it trains when needed) or `make train`.")
    # Short OTP timings so that expiry and "resend too early" can be shown in seconds, not minutes.
    otp_timings = {"DVC_OTP_TTL_SECONDS": "8", "DVC_OTP_RESEND_SECONDS": "4", "DVC_OTP_MAX_PER_HOUR": "3"}
    desk = {"DVC_DESK_ADDRESS": "Ủy ban nhân dân xã Tân Phú", "DVC_DESK_PHONE": "0212 3822 123"}
    # The back-office plays VNPay (development gateway), and the commune has a bank account for VietQR.
    payments = {
        "DVC_DEV_PAYMENT_GATEWAY": "1",
        "DVC_VIETQR_BANK_BIN": "970436",
        "DVC_VIETQR_ACCOUNT": "0011001234567",
        "DVC_VIETQR_ACCOUNT_NAME": "UBND XA TAN PHU",
    }
    stack = Services(
        Ports.free(),
        tmp_path_factory.mktemp("var"),
        extra_env={**otp_timings, **desk, **payments, **channel_env(telegram, zalo), **OFFICERS_ON_DUTY},
        fault_injection=True,  # tests/integration/test_faults.py arms fault points; nothing happens otherwise
    )
    try:
        stack.start_all()
        yield stack
    finally:
        stack.stop_all()


class Citizen:
    """One citizen chatting over Rasa's REST channel."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.sender = f"test-{uuid.uuid4().hex[:12]}"

    def say(self, message: str) -> list[dict]:
        return post_json(
            f"{self.services.rasa_url}/webhooks/rest/webhook", {"sender": self.sender, "message": message}
        )

    def texts(self, message: str) -> str:
        return "\n".join(reply.get("text", "") for reply in self.say(message))


@pytest.fixture
def citizen(services: Services) -> Callable[[], Citizen]:
    return lambda: Citizen(services)
