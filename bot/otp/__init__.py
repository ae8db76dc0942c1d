"""Phone verification by a one-time code sent by SMS; only keyed hashes are stored."""

from bot.otp.service import (
    OtpConfig,
    OtpService,
    SendResult,
    VerifyResult,
    mask_phone,
    otp_secret_from_env,
    otp_service_from_env,
    phone_hash,
)

__all__ = [
    "OtpConfig",
    "OtpService",
    "SendResult",
    "VerifyResult",
    "mask_phone",
    "otp_secret_from_env",
    "otp_service_from_env",
    "phone_hash",
]
