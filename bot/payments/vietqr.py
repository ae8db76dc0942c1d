"""VietQR (NAPAS, EMVCo merchant-presented QR): a bank transfer of the exact fee to the commune's account,
for citizens who prefer their bank app. Tags and CRC as NAPAS publishes them (research/protocols.md §4)."""

from __future__ import annotations

import io

import segno

from bot.text.normalize import strip_diacritics

NAPAS_GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
VND = "704"


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"VietQR field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def purpose_text(text: str) -> str:
    """The transfer's purpose: ASCII without diacritics (bank apps show it as the transfer note)."""
    return "".join(char for char in strip_diacritics(text) if char.isascii() and char.isprintable())[:50]


def payload(bank_bin: str, account: str, amount_vnd: int | None, purpose: str = "") -> str:
    """The QR's text: dynamic (with the amount) when `amount_vnd` is given, static otherwise."""
    if not (bank_bin.isdigit() and len(bank_bin) == 6):
        raise ValueError("the bank BIN has 6 digits (e.g. 970436 for Vietcombank)")
    if not account or len(account) > 19:
        raise ValueError("the account number is missing or too long")
    beneficiary = _field("00", bank_bin) + _field("01", account)
    merchant = _field("00", NAPAS_GUID) + _field("01", beneficiary) + _field("02", TO_ACCOUNT)
    text = _field("00", "01") + _field("01", "12" if amount_vnd else "11") + _field("38", merchant)
    text += _field("53", VND)
    if amount_vnd:
        text += _field("54", str(amount_vnd))
    text += _field("58", "VN")
    note = purpose_text(purpose)
    if note:  # a purpose with nothing left in ASCII would be an empty field, which EMVCo does not allow
        text += _field("62", _field("08", note))
    text += "6304"
    return text + f"{crc16_ccitt_false(text.encode('ascii')):04X}"


def png(text: str, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
