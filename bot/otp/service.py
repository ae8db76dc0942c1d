"""Phone verification by a 6-digit code sent by SMS (OTP).

Personal data (Decree 13/2023/NĐ-CP): the database holds only keyed hashes (HMAC-SHA256 with a server secret)
of the phone number and of the code; nothing here logs the number, the code or the secret.

Rules (all configurable with `OtpConfig`): a code is valid 5 minutes and works once; 5 wrong tries void it;
a new code can be requested 60 s after the previous one at the earliest, and at most 5 codes per phone per
rolling hour. Only the newest code of a phone counts: asking for a new code replaces the previous one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import re
import secrets
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot import faults
from bot.db.models import utc_now
from bot.db.session import begin_write
from bot.db.times import as_utc
from bot.otp.models import OtpCode
from bot.settings import MIN_SECRET_CHARACTERS, OtpConfig, Settings
from bot.sms.providers import SmsProvider, normalize_phone

logger = logging.getLogger(__name__)

CODE_LENGTH = 6
SECRET_FILENAME = "otp_secret"
RETENTION = timedelta(days=1)  # codes older than this are deleted (data minimisation)
_HOUR = timedelta(hours=1)
_CODE_SEPARATORS = re.compile(r"[\s.\-_]+")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_STATE = (OtpCode.id, OtpCode.code_hash, OtpCode.expires_at, OtpCode.attempts, OtpCode.consumed_at)

# Status values
SENT = "sent"
TOO_SOON = "too_soon"
RATE_LIMITED = "rate_limited"
SMS_FAILED = "sms_failed"
VERIFIED = "verified"
WRONG = "wrong"
EXPIRED = "expired"
TOO_MANY_ATTEMPTS = "too_many_attempts"
NO_CODE = "no_code"


DEFAULT_CONFIG = OtpConfig()


@dataclass(frozen=True)
class SendResult:
    status: str  # sent | too_soon | rate_limited | sms_failed
    message: str  # polite Vietnamese for the citizen
    retry_after_seconds: int = 0  # seconds until a new code can be requested (too_soon, rate_limited)


@dataclass(frozen=True)
class VerifyResult:
    status: str  # verified | wrong | expired | too_many_attempts | no_code
    message: str  # polite Vietnamese for the citizen
    attempts_left: int = 0  # tries left on the current code


# -- hashing and helpers ---------------------------------------------------------------------------------


def _hmac_hex(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


def phone_hash(secret: bytes, phone: str) -> str:
    """The keyed hash that stands for a phone number in the database (OTP codes, dossiers).

    The number is normalised first ("+84 912 345 678" and "0912345678" give the same hash); ValueError if it
    is not a Vietnamese mobile number.
    """
    return _hmac_hex(secret, "phone:" + normalize_phone(phone))


def code_hash(secret: bytes, phone: str, code: str) -> str:
    """HMAC-SHA256(secret, normalised phone + ":" + code): a code only matches the phone it was sent to."""
    return _hmac_hex(secret, normalize_phone(phone) + ":" + code)


def mask_phone(phone: str) -> str:
    """ "0912345678" -> "09xx xxx 678": enough for the citizen to recognise the number, no more."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "xxx"
    return f"{digits[:2]}{'x' * (len(digits) - 8)} xxx {digits[-3:]}"


def clean_code(code: str) -> str:
    """The code as typed, without spaces or separators ("123 456" -> "123456"); full-width digits folded."""
    return _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", code))


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _lock_phone(session: Session, hashed: str) -> None:
    """PostgreSQL: one send_code per phone at a time across processes (transaction-level advisory lock)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(bytes.fromhex(hashed[:16]), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


# -- the service ------------------------------------------------------------------------------------------


class OtpService:
    def __init__(
        self,
        session_factory: sessionmaker,
        sms: SmsProvider,
        secret: bytes,
        config: OtpConfig = DEFAULT_CONFIG,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the OTP secret must be at least 16 bytes")
        self._sessions = session_factory
        self._sms = sms
        self._secret = secret
        self.config = config
        self._clock = clock
        self._send_lock = threading.Lock()  # check-then-insert of send_code, within this process

    def __repr__(self) -> str:  # never show the secret
        return f"OtpService(config={self.config!r})"

    def phone_hash(self, phone: str) -> str:
        return phone_hash(self._secret, phone)

    def _now(self) -> datetime:
        return as_utc(self._clock())

    # -- sending ----------------------------------------------------------------------------------------

    def for_conversation(self, channel: str, sender_id: str) -> ConversationOtp:
        """This service as one conversation uses it: its codes count towards that conversation's limit."""
        return ConversationOtp(self, f"{channel}:{sender_id}")

    def send_code(self, phone: str, requester: str | None = None) -> SendResult:
        """Create a code for `phone` and send it by SMS, within the resend and hourly limits (of the phone,
        and of the `requester` conversation when given).

        Raises ValueError when `phone` is not a Vietnamese mobile number (validate it in the form first).
        """
        national = normalize_phone(phone)
        hashed = self.phone_hash(national)
        masked = mask_phone(national)
        config = self.config
        resend_after = timedelta(seconds=config.resend_after_seconds)
        now = self._now()
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))
        with self._send_lock, self._sessions() as session, session.begin():
            begin_write(session)
            _lock_phone(session, hashed)
            window = max(_HOUR, resend_after)
            recent = session.execute(
                select(OtpCode.created_at, OtpCode.consumed_at, OtpCode.attempts)
                .where(OtpCode.phone_hash == hashed, OtpCode.created_at > now - window)
                .order_by(OtpCode.created_at, OtpCode.id)
            ).all()
            # Every code counts towards the hourly limit, also one whose SMS failed (the gateway costs money).
            in_hour = [as_utc(code.created_at) for code in recent if as_utc(code.created_at) > now - _HOUR]
            if len(in_hour) >= config.max_codes_per_hour:
                wait = _seconds_until(in_hour[-config.max_codes_per_hour] + _HOUR, now)
                logger.info("OTP refused, hourly limit (phone %s)", hashed[:8])
                return SendResult(RATE_LIMITED, self._rate_limited_message(wait), wait)
            requester_hash = _hmac_hex(self._secret, "otp-requester:" + requester) if requester else None
            if requester_hash is not None:
                asked = (
                    session.execute(
                        select(OtpCode.created_at)
                        .where(OtpCode.requester_hash == requester_hash, OtpCode.created_at > now - _HOUR)
                        .order_by(OtpCode.created_at)
                    )
                    .scalars()
                    .all()
                )
                allowed = config.max_codes_per_conversation_hour
                if len(asked) >= allowed:
                    wait = _seconds_until(as_utc(asked[-allowed]) + _HOUR, now)
                    logger.info("OTP refused, conversation's hourly limit (phone %s)", hashed[:8])
                    return SendResult(RATE_LIMITED, self._conversation_limited_message(wait), wait)
            # The resend delay only protects a code that can still be used: after a failed SMS, a success or
            # five wrong tries, a new code may be asked at once.
            last = recent[-1] if recent else None
            if (
                last is not None
                and last.consumed_at is None
                and last.attempts < config.max_attempts
                and now < as_utc(last.created_at) + resend_after
            ):
                wait = _seconds_until(as_utc(last.created_at) + resend_after, now)
                logger.info("OTP refused, asked again too soon (phone %s)", hashed[:8])
                return SendResult(TOO_SOON, self._too_soon_message(masked, wait), wait)
            session.execute(delete(OtpCode).where(OtpCode.created_at < now - max(RETENTION, window)))
            row = OtpCode(
                phone_hash=hashed,
                code_hash=code_hash(self._secret, national, code),
                created_at=now,
                expires_at=now + timedelta(seconds=config.ttl_seconds),
                attempts=0,
                requester_hash=requester_hash,
            )
            session.add(row)
            session.flush()
            row_id = row.id
        # The code is committed before the SMS leaves, so it can be verified as soon as it arrives.
        try:
            self._sms.send(national, self._sms_text(code))
        except Exception as error:  # SmsError, or a provider bug: the code must not stay usable either way
            with self._sessions() as session, session.begin():
                session.execute(update(OtpCode).where(OtpCode.id == row_id).values(consumed_at=self._now()))
            logger.warning("OTP SMS not sent (phone %s): %s", hashed[:8], type(error).__name__)
            return SendResult(SMS_FAILED, self._sms_failed_message(masked))
        logger.info("OTP sent (phone %s)", hashed[:8])
        return SendResult(SENT, self._sent_message(masked))

    # -- verifying --------------------------------------------------------------------------------------

    def verify(self, phone: str, code: str) -> VerifyResult:
        """Check `code` against the newest code sent to `phone`; a right code works once."""
        result = self._verify(phone, code)
        if result.status == VERIFIED:
            faults.point("otp.after_verify")
        return result

    def _verify(self, phone: str, code: str) -> VerifyResult:
        config = self.config
        try:
            national = normalize_phone(phone)
        except ValueError:
            return VerifyResult(NO_CODE, self._no_code_message())
        hashed = self.phone_hash(national)
        masked = mask_phone(national)
        now = self._now()
        typed = clean_code(code)
        with self._sessions() as session, session.begin():
            begin_write(session)
            row = session.execute(
                select(*_STATE)
                .where(OtpCode.phone_hash == hashed)
                .order_by(OtpCode.created_at.desc(), OtpCode.id.desc())
                .limit(1)
            ).first()
            refused = self._refusal(row, now)
            if refused is not None:
                return refused
            still_open = (
                OtpCode.id == row.id,
                OtpCode.consumed_at.is_(None),
                OtpCode.attempts < config.max_attempts,
            )
            if self._matches(national, typed, row.code_hash):
                # Conditional: a concurrent success or the last wrong try may have closed the code meanwhile.
                done = session.execute(
                    update(OtpCode)
                    .where(*still_open)
                    .values(consumed_at=now)
                    .execution_options(synchronize_session=False)
                )
                if done.rowcount == 1:
                    logger.info("OTP verified (phone %s)", hashed[:8])
                    left = config.max_attempts - row.attempts
                    return VerifyResult(VERIFIED, self._verified_message(masked), left)
                current = session.execute(select(*_STATE).where(OtpCode.id == row.id)).one()
                return self._refusal(current, now) or VerifyResult(NO_CODE, self._no_code_message())
            # Atomic increment in the database: two concurrent wrong tries cannot both slip under the limit.
            session.execute(
                update(OtpCode)
                .where(*still_open)
                .values(attempts=OtpCode.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            current = session.execute(select(*_STATE).where(OtpCode.id == row.id)).one()
        if current.consumed_at is not None:  # used meanwhile by a concurrent right try
            return VerifyResult(NO_CODE, self._no_code_message())
        left = max(0, config.max_attempts - current.attempts)
        logger.info("OTP wrong (phone %s, %d tries left)", hashed[:8], left)
        if left == 0:
            return VerifyResult(TOO_MANY_ATTEMPTS, self._too_many_message())
        return VerifyResult(WRONG, self._wrong_message(left), left)

    def _matches(self, national: str, typed: str, stored_hash: str) -> bool:
        if re.fullmatch(rf"[0-9]{{{CODE_LENGTH}}}", typed) is None:
            return False  # still counts as a wrong try
        return hmac.compare_digest(code_hash(self._secret, national, typed), stored_hash)

    def _refusal(self, row: Any, now: datetime) -> VerifyResult | None:  # row: a result row or None
        """Why the newest code cannot be checked at all, or None when it can."""
        if row is None or row.consumed_at is not None:
            return VerifyResult(NO_CODE, self._no_code_message())
        if row.attempts >= self.config.max_attempts:
            return VerifyResult(TOO_MANY_ATTEMPTS, self._too_many_message())
        if now >= as_utc(row.expires_at):
            return VerifyResult(EXPIRED, self._expired_message())
        return None

    # -- housekeeping -----------------------------------------------------------------------------------

    def purge_old_codes(self) -> int:
        """Delete codes older than a day (send_code also does it); returns how many were deleted."""
        with self._sessions() as session, session.begin():
            result = session.execute(delete(OtpCode).where(OtpCode.created_at < self._now() - RETENTION))
            return result.rowcount or 0

    # -- texts ------------------------------------------------------------------------------------------

    def _ttl_minutes(self) -> int:
        return _minutes(self.config.ttl_seconds)

    def _sms_text(self, code: str) -> str:
        return (
            f"DVC: Ma xac thuc cua ban la {code}. Ma co hieu luc trong {self._ttl_minutes()} phut. "
            "Khong chia se ma nay cho bat ky ai."
        )

    def _sent_message(self, masked: str) -> str:
        return (
            f"Dạ, em đã gửi mã xác thực {CODE_LENGTH} chữ số đến số điện thoại {masked}. "
            f"Mã có hiệu lực trong {self._ttl_minutes()} phút."
        )

    @staticmethod
    def _too_soon_message(masked: str, seconds: int) -> str:
        return (
            f"Dạ, em vừa gửi mã xác thực đến số điện thoại {masked}, mã đó vẫn dùng được ạ. Nếu chưa "
            f"nhận được tin nhắn, anh/chị vui lòng đợi {seconds} giây nữa rồi yêu cầu gửi lại mã ạ."
        )

    def _conversation_limited_message(self, seconds: int) -> str:
        return (
            f"Dạ, cuộc trò chuyện này đã yêu cầu {self.config.max_codes_per_conversation_hour} mã xác thực "
            f"trong vòng một giờ. Anh/chị vui lòng thử lại sau khoảng {_minutes(seconds)} phút ạ."
        )

    def _rate_limited_message(self, seconds: int) -> str:
        return (
            f"Dạ, số điện thoại này đã được gửi {self.config.max_codes_per_hour} mã xác thực trong vòng "
            "1 giờ, đây là giới hạn để bảo vệ anh/chị. Anh/chị vui lòng thử lại sau khoảng "
            f"{_minutes(seconds)} phút ạ."
        )

    @staticmethod
    def _sms_failed_message(masked: str) -> str:
        return (
            f"Dạ, em xin lỗi, hiện em chưa gửi được tin nhắn mã xác thực đến số điện thoại {masked}. "
            "Anh/chị vui lòng thử lại sau ít phút ạ."
        )

    @staticmethod
    def _verified_message(masked: str) -> str:
        return f"Dạ, em đã xác thực thành công số điện thoại {masked}. Em cảm ơn anh/chị ạ."

    @staticmethod
    def _wrong_message(left: int) -> str:
        return (
            f"Dạ, mã xác thực chưa đúng. Anh/chị vui lòng kiểm tra tin nhắn và nhập lại, "
            f"anh/chị còn {left} lần thử ạ."
        )

    def _too_many_message(self) -> str:
        return (
            f"Dạ, mã xác thực đã bị nhập sai {self.config.max_attempts} lần nên không còn hiệu lực. "
            "Anh/chị vui lòng yêu cầu gửi mã mới ạ."
        )

    @staticmethod
    def _expired_message() -> str:
        return "Dạ, mã xác thực đã hết hiệu lực. Anh/chị vui lòng yêu cầu gửi mã mới ạ."

    @staticmethod
    def _no_code_message() -> str:
        return (
            "Dạ, hiện không có mã xác thực nào đang chờ cho số điện thoại này (mã đã được dùng hoặc "
            "chưa được gửi). Anh/chị vui lòng yêu cầu gửi mã mới ạ."
        )


# -- configuration ------------------------------------------------------------------------------------------


def parse_secret(value: str) -> bytes:
    """A secret given as hex (decoded) or as any string of at least 32 characters (UTF-8)."""
    value = value.strip()
    if len(value) < MIN_SECRET_CHARACTERS:
        raise ValueError(f"DVC_OTP_SECRET must be at least {MIN_SECRET_CHARACTERS} characters long")
    if _HEX.fullmatch(value):
        return bytes.fromhex(value)
    return value.encode("utf-8")


def otp_secret(settings: Settings) -> bytes:
    """The HMAC secret: DVC_OTP_SECRET, or in development a random one kept in <var>/otp_secret.

    The generated file has mode 0600 and survives restarts. With DVC_SMS_PROVIDER=http (production) the
    variable is required: every replica must share the secret, and dossiers are linked to verified phones
    through hashes made with it.
    """
    if settings.otp_secret:
        return parse_secret(settings.otp_secret)
    if settings.sms.provider == "http":
        raise ValueError("DVC_OTP_SECRET must be set in production (DVC_SMS_PROVIDER=http)")
    path = settings.var_dir / SECRET_FILENAME
    if not path.exists():
        _create_secret_file(path)
    return parse_secret(path.read_text(encoding="ascii"))


def _create_secret_file(path: Path) -> None:
    """Write a new random secret without ever exposing a half-written file; the first writer wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, (secrets.token_hex(32) + "\n").encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)  # atomic, fails if another process created it first
        logger.info("Generated a development OTP secret in %s", path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


class ConversationOtp:
    """OtpService as one conversation uses it (what the form and the status lookup are given)."""

    def __init__(self, service: OtpService, requester: str) -> None:
        self.service = service
        self.requester = requester

    def send_code(self, phone: str) -> SendResult:
        return self.service.send_code(phone, self.requester)

    def verify(self, phone: str, code: str) -> VerifyResult:
        return self.service.verify(phone, code)

    def phone_hash(self, phone: str) -> str:
        return self.service.phone_hash(phone)
