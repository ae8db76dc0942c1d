"""SMS providers: a JSONL outbox for development, a Vietnamese brandname gateway over HTTP for production.

Phone numbers are personal data (Decree 13/2023/NĐ-CP): nothing here logs them or the message text, and error
messages never contain either.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar, Protocol

import aiohttp
import phonenumbers

from bot.settings import Settings

try:  # POSIX: also serialise writers in other processes (Rasa, the action server, the back-office)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

OUTBOX_FILENAME = "sms_outbox.jsonl"
HTTP_TIMEOUT_SECONDS = 10.0


class SmsError(RuntimeError):
    """The SMS could not be sent. The message names neither the phone number nor the text."""


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None: ...  # raises SmsError on failure


def normalize_phone(phone: str) -> str:
    """A Vietnamese mobile number in its national 10-digit form "0912345678"; ValueError if it is not one.

    Accepts spaces, dots, dashes and the +84 / 84 prefixes ("+84 912 345 678", "091.234.5678").
    """
    try:
        number = phonenumbers.parse(phone.strip(), "VN")
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    mobile = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if (
        number.country_code != 84
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in mobile
    ):
        raise ValueError("not a Vietnamese mobile number")
    return f"0{number.national_number}"


def international_phone(phone: str) -> str:
    """The 84xxxxxxxxx form SMS gateways expect."""
    return "84" + normalize_phone(phone)[1:]


class OutboxSmsProvider:
    """Development provider: appends each SMS as one JSON line {"phone", "text", "sent_at"} to a file."""

    _locks: ClassVar[dict[Path, threading.Lock]] = {}  # one per file, shared by the instances of a process
    _locks_guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        with self._locks_guard:
            self._lock = self._locks.setdefault(self.path.resolve(), threading.Lock())

    def send(self, phone: str, text: str) -> None:
        record = {"phone": phone, "text": text, "sent_at": datetime.now(timezone.utc).isoformat()}
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock:
                # O_APPEND + a single write per line: concurrent writers never interleave inside a line.
                descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    if fcntl is not None:
                        fcntl.flock(descriptor, fcntl.LOCK_EX)
                    written = os.write(descriptor, data)
                    if written != len(data):
                        raise OSError("short write")
                finally:
                    os.close(descriptor)  # also releases the flock
        except OSError as error:
            raise SmsError(f"could not write the SMS outbox: {type(error).__name__}") from None
        logger.info("SMS written to the development outbox (%d characters)", len(text))


class HttpSmsProvider:
    """Production provider: a Vietnamese SMS brandname gateway taking a JSON POST with a bearer token.

    The request is made with aiohttp (`send_async`). The OTP service calls `send` from the action server's
    worker threads (bot/actions/off_loop.py): it runs the request on that thread's own short-lived event
    loop, so a gateway that takes its full timeout holds one worker, never the server's event loop.
    """

    def __init__(self, url: str, token: str, brandname: str, timeout: float = HTTP_TIMEOUT_SECONDS) -> None:
        self.url = url
        self._token = token
        self.brandname = brandname
        self.timeout = timeout

    def __repr__(self) -> str:  # never show the token
        return f"HttpSmsProvider(url={self.url!r}, brandname={self.brandname!r})"

    def send(self, phone: str, text: str) -> None:
        """Blocking: for worker threads. An async caller awaits `send_async` instead."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self.send_async(phone, text))
            return
        raise RuntimeError("HttpSmsProvider.send would block the event loop: await send_async instead")

    async def send_async(self, phone: str, text: str) -> None:
        try:
            to = international_phone(phone)
        except ValueError:
            raise SmsError("not a Vietnamese mobile number") from None
        body = {"to": to, "brandname": self.brandname, "message": text}
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self._token}"}
        try:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(self.url, json=body, headers=headers) as response,
            ):
                status = response.status
                await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:  # refused, DNS, TLS, timeout
            raise SmsError(f"SMS gateway unreachable: {type(error).__name__}") from None
        if not 200 <= status < 300:
            raise SmsError(f"SMS gateway answered HTTP {status}")
        logger.info("SMS accepted by the gateway (HTTP %d)", status)


def sms_provider(settings: Settings) -> SmsProvider:
    """The provider the settings name (DVC_SMS_PROVIDER): the development outbox or the brandname gateway."""
    sms = settings.sms
    if sms.provider == "http":
        return HttpSmsProvider(url=sms.http_url, token=sms.http_token, brandname=sms.brandname)
    return OutboxSmsProvider(settings.var_dir / OUTBOX_FILENAME)
