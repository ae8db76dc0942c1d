"""VNPay 2.1.0: the signed payment URL, the verification of its callbacks (IPN and return) and the
`querydr` request that asks the gateway for a transaction's state.

Signing (VNPay's own samples): the `vnp_*` fields sorted by name, each value `quote_plus`-encoded, joined with
`&`, HMAC-SHA512 with the merchant's hash secret, hex. In 2.1.0 `vnp_SecureHashType` is not sent; when a
callback carries it, it is left out of the signed string like `vnp_SecureHash` itself.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote_plus, urlencode

from bot.settings import PaymentSettings
from bot.text.normalize import strip_diacritics
from bot.workflow.clock import VIETNAM

VERSION = "2.1.0"
UNSIGNED = frozenset({"vnp_SecureHash", "vnp_SecureHashType"})
SUCCESS = "00"
CANCELLED_BY_CUSTOMER = "24"

# The IPN answers VNPay expects (RspCode, Message).
CONFIRMED = ("00", "Confirm Success")
ORDER_NOT_FOUND = ("01", "Order not found")
ALREADY_CONFIRMED = ("02", "Order already confirmed")
INVALID_AMOUNT = ("04", "Invalid amount")
INVALID_SIGNATURE = ("97", "Invalid signature")
UNKNOWN_ERROR = ("99", "Unknown error")


def vietnam_time(moment: datetime) -> str:
    """`yyyyMMddHHmmss` in Vietnam time (GMT+7), as every VNPay date is."""
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


def parse_vietnam_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM)


def signed_text(fields: Mapping[str, object]) -> str:
    return "&".join(
        f"{key}={quote_plus(str(value))}"
        for key, value in sorted(fields.items())
        if key.startswith("vnp_") and key not in UNSIGNED and value is not None
    )


def sign(fields: Mapping[str, object], secret: str) -> str:
    return hmac.new(secret.encode(), signed_text(fields).encode(), hashlib.sha512).hexdigest()


def verify(fields: Mapping[str, str], secret: str) -> bool:
    """True when the callback's `vnp_SecureHash` is the merchant's signature of its other `vnp_*` fields."""
    received = str(fields.get("vnp_SecureHash", "")).lower()
    return bool(received) and _same(received, sign(fields, secret))


def _same(received: str, expected: str) -> bool:
    """Constant-time comparison that also takes what a forger sends (compare_digest refuses non-ASCII str)."""
    return hmac.compare_digest(received.encode(), expected.encode())


def order_info(text: str) -> str:
    """VNPay wants the order description without diacritics."""
    return "".join(char for char in strip_diacritics(text) if char.isascii() and char.isprintable())[:255]


def payment_url(
    merchant: PaymentSettings,
    *,
    txn_ref: str,
    amount_vnd: int,
    description: str,
    client_ip: str,
    created: datetime,
    expires: datetime,
    locale: str = "vn",
) -> str:
    fields = {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": merchant.tmn_code,
        "vnp_Amount": str(amount_vnd * 100),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": txn_ref,
        "vnp_OrderInfo": order_info(description),
        "vnp_OrderType": "other",
        "vnp_Locale": locale,
        "vnp_ReturnUrl": merchant.return_url,
        "vnp_IpAddr": client_ip,
        "vnp_CreateDate": vietnam_time(created),
        "vnp_ExpireDate": vietnam_time(expires),
    }
    query = signed_text(fields)  # the same encoding as signed: the pitfall of VNPay's buggy copies
    signature = urlencode({"vnp_SecureHash": sign(fields, merchant.hash_secret)})
    return f"{merchant.payment_url}?{query}&{signature}"


QUERYDR_SIGNED = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
# The querydr answer's signature covers these, in this order (VNPay merchant_webapi documentation).
QUERYDR_ANSWER_SIGNED = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)


def pipe_signature(fields: Mapping[str, object], order: tuple[str, ...], secret: str) -> str:
    text = "|".join(str(fields.get(key, "") or "") for key in order)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def querydr_request(
    merchant: PaymentSettings,
    *,
    request_id: str,
    txn_ref: str,
    transaction_date: datetime,
    description: str,
    client_ip: str,
    now: datetime,
) -> dict[str, str]:
    """The JSON body asking the gateway for the state of payment `txn_ref` created at `transaction_date`."""
    body = {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": "querydr",
        "vnp_TmnCode": merchant.tmn_code,
        "vnp_TxnRef": txn_ref,
        "vnp_TransactionDate": vietnam_time(transaction_date),
        "vnp_CreateDate": vietnam_time(now),
        "vnp_IpAddr": client_ip,
        "vnp_OrderInfo": order_info(description),
    }
    body["vnp_SecureHash"] = pipe_signature(body, QUERYDR_SIGNED, merchant.hash_secret)
    return body


def querydr_answer_is_genuine(answer: Mapping[str, object], secret: str) -> bool:
    received = str(answer.get("vnp_SecureHash", "")).lower()
    expected = pipe_signature(answer, QUERYDR_ANSWER_SIGNED, secret)
    return bool(received) and _same(received, expected)
