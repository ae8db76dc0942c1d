"""Phone verification by a one-time code sent by SMS; only keyed hashes are stored."""

from bot.otp.service import (
    OtpConfig,
    OtpService,
    SendResult,
    VerifyResult,
    mask_phone,
    otp_secret,
    phone_hash,
)

__all__ = [
    "OtpConfig",
    "OtpService",
    "SendResult",
    "VerifyResult",
    "mask_phone",
    "otp_secret",
    "phone_hash",
]
