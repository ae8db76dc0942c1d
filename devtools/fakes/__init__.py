"""Local servers speaking the chat platforms' HTTP protocols (Telegram's Bot API, Zalo's OA and OAuth APIs),
for the tests and the benchmark: the real connector code runs against them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devtools.fakes.telegram_bot_api import FakeTelegram
    from devtools.fakes.zalo_oa_api import FakeZalo

TELEGRAM_SECRET = "telegram-webhook-secret_42"
ZALO_OA_SECRET = "zalo-oa-secret-key"


def channel_env(telegram: FakeTelegram, zalo: FakeZalo) -> dict[str, str]:
    """The environment that points the Rasa server's Telegram and Zalo channels at the fake servers."""
    return {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "ZALO_APP_ID": zalo.app_id,
        "ZALO_APP_SECRET": zalo.app_secret,
        "ZALO_OA_SECRET_KEY": ZALO_OA_SECRET,
        "ZALO_ACCESS_TOKEN": zalo.current_access_token,
        "ZALO_REFRESH_TOKEN": zalo.current_refresh_token,
        "ZALO_API_BASE_URL": zalo.api_base_url,
        "ZALO_OAUTH_BASE_URL": zalo.oauth_base_url,
    }
