"""Sending SMS: a JSONL outbox in development, a brandname gateway over HTTP in production."""

from bot.sms.providers import (
    HttpSmsProvider,
    OutboxSmsProvider,
    SmsError,
    SmsProvider,
    international_phone,
    normalize_phone,
    sms_provider,
)

__all__ = [
    "HttpSmsProvider",
    "OutboxSmsProvider",
    "SmsError",
    "SmsProvider",
    "international_phone",
    "normalize_phone",
    "sms_provider",
]
