"""The development gateway: plays VNPay's part on the back-office (DVC_DEV_PAYMENT_GATEWAY=1 only) so the
whole payment flow can be tried in a browser and tested end to end. It speaks the same protocol as the real
gateway: it checks the merchant's signed order, signs its answers with the merchant's hash secret, calls the
IPN server to server, sends the browser to the return URL, and answers `querydr` for what it processed."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.payments import vnpay
from bot.settings import PaymentSettings

PAID = "pay"
CANCELLED = "cancel"


class OrderRefusedError(ValueError):
    """The order is not one the gateway would accept (bad signature, expired, unknown merchant)."""


@dataclass(frozen=True)
class Order:
    fields: dict[str, str]

    @property
    def amount_vnd(self) -> int:
        return int(self.fields["vnp_Amount"]) // 100

    @property
    def description(self) -> str:
        return self.fields.get("vnp_OrderInfo", "")

    @property
    def txn_ref(self) -> str:
        return self.fields["vnp_TxnRef"]


class DevGateway:
    def __init__(self, settings: PaymentSettings) -> None:
        self.settings = settings
        self._numbers = itertools.count(14000001)
        self._processed: dict[str, dict[str, str]] = {}  # txn_ref -> the answer sent (for querydr)
        self._lock = threading.Lock()

    def order(self, fields: Mapping[str, str], now: datetime) -> Order:
        order = {key: str(value) for key, value in fields.items()}
        if order.get("vnp_TmnCode") != self.settings.tmn_code:
            raise OrderRefusedError("Mã website (vnp_TmnCode) không đúng.")
        if not vnpay.verify(order, self.settings.hash_secret):
            raise OrderRefusedError("Sai chữ ký (vnp_SecureHash).")
        expires = order.get("vnp_ExpireDate")
        if expires and vnpay.parse_vietnam_time(expires) < now:
            raise OrderRefusedError("Giao dịch đã quá thời gian chờ thanh toán.")
        return Order(order)

    def decide(self, order: Order, decision: str, now: datetime) -> dict[str, str]:
        """The signed answer to `order` after the citizen pressed Thanh toán (PAID) or Hủy (CANCELLED)."""
        paid = decision == PAID
        with self._lock:
            number = str(next(self._numbers)) if paid else "0"
        fields = {
            "vnp_TmnCode": self.settings.tmn_code,
            "vnp_Amount": order.fields["vnp_Amount"],
            "vnp_BankCode": "NCB" if paid else "VNPAY",
            "vnp_BankTranNo": f"VNP{number}" if paid else "",
            "vnp_CardType": "ATM" if paid else "",
            "vnp_OrderInfo": order.description,
            "vnp_PayDate": vnpay.vietnam_time(now),
            "vnp_ResponseCode": vnpay.SUCCESS if paid else vnpay.CANCELLED_BY_CUSTOMER,
            "vnp_TransactionNo": number,
            "vnp_TransactionStatus": vnpay.SUCCESS if paid else "02",
            "vnp_TxnRef": order.txn_ref,
        }
        fields = {key: value for key, value in fields.items() if value}
        answer = {**fields, "vnp_SecureHash": vnpay.sign(fields, self.settings.hash_secret)}
        with self._lock:
            self._processed[order.txn_ref] = answer
        return answer

    def querydr(self, request: Mapping[str, str], now: datetime) -> dict[str, str]:
        """The answer to a merchant's `querydr` request, signed as the real gateway signs it."""
        expected = vnpay.pipe_signature(request, vnpay.QUERYDR_SIGNED, self.settings.hash_secret)
        base = {
            "vnp_ResponseId": f"dev{request.get('vnp_RequestId', '')}",
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.settings.tmn_code,
            "vnp_TxnRef": str(request.get("vnp_TxnRef", "")),
        }
        if str(request.get("vnp_SecureHash", "")).lower() != expected:
            answer = {**base, "vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"}
        else:
            with self._lock:
                done = self._processed.get(base["vnp_TxnRef"])
            if done is None:
                answer = {**base, "vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"}
            else:
                answer = {
                    **base,
                    "vnp_ResponseCode": "00",
                    "vnp_Message": "QueryDR Success",
                    "vnp_Amount": done["vnp_Amount"],
                    "vnp_BankCode": done.get("vnp_BankCode", ""),
                    "vnp_PayDate": done["vnp_PayDate"],
                    "vnp_TransactionNo": done.get("vnp_TransactionNo", ""),
                    "vnp_TransactionType": "01",
                    "vnp_TransactionStatus": done["vnp_TransactionStatus"],
                    "vnp_OrderInfo": done.get("vnp_OrderInfo", ""),
                }
        answer["vnp_SecureHash"] = vnpay.pipe_signature(
            answer, vnpay.QUERYDR_ANSWER_SIGNED, self.settings.hash_secret
        )
        return answer
