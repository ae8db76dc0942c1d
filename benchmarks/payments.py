"""IPN handling time: VNPay's confirmation of a payment, timed end to end over HTTP on the running
back-office (signature check, order and amount checks, the payment, the dossier, the timeline event and the
receipt in the outbox, one transaction)."""

from __future__ import annotations

import dataclasses
import os
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

from bot.catalog.model import ONLINE, Channel, Fee, Procedure, TimeLimit
from bot.forms.definitions import load_forms
from bot.payments import vnpay
from bot.services import Services as ProductServices
from bot.settings import PaymentSettings, load_settings, payment_settings
from devtools.services import Services

PAYMENTS = 100
FEE_PROCEDURE = Procedure(
    code="1.004873",
    name="Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
    portal_url="",
    channels=(Channel(ONLINE, TimeLimit("3"), Fee("15.000", (15000,))),),
)


def gateway_answer(url: str, secret: str, number: int) -> dict[str, str]:
    order = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    fields = {
        "vnp_TmnCode": order["vnp_TmnCode"],
        "vnp_Amount": order["vnp_Amount"],
        "vnp_BankCode": "NCB",
        "vnp_OrderInfo": order["vnp_OrderInfo"],
        "vnp_PayDate": order["vnp_CreateDate"],
        "vnp_ResponseCode": "00",
        "vnp_TransactionNo": str(14000000 + number),
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": order["vnp_TxnRef"],
    }
    return {**fields, "vnp_SecureHash": vnpay.sign(fields, secret)}


def development_merchant(backoffice_url: str) -> PaymentSettings:
    """The merchant settings the stack's back-office has with DVC_DEV_PAYMENT_GATEWAY=1."""
    saved = os.environ.get("DVC_DEV_PAYMENT_GATEWAY")
    os.environ["DVC_DEV_PAYMENT_GATEWAY"] = "1"
    try:
        return payment_settings(backoffice_url)
    finally:
        if saved is None:
            del os.environ["DVC_DEV_PAYMENT_GATEWAY"]
        else:
            os.environ["DVC_DEV_PAYMENT_GATEWAY"] = saved


def ipn_latency(stack: Services, percentiles: Callable[[list[float]], dict]) -> dict[str, object]:
    """Needs the stack started with DVC_DEV_PAYMENT_GATEWAY=1 (the development merchant settings)."""
    settings = load_settings()
    settings = dataclasses.replace(
        settings,
        database_url=f"sqlite:///{stack.var_dir / 'dvc.db'}",
        var_dir=stack.var_dir,
        payments=development_merchant(stack.backoffice_url),
    )
    product = ProductServices(settings)
    form = load_forms()["1.004873"]
    answers = []
    for number in range(PAYMENTS):
        code = product.dossiers.submit(
            form=form,
            procedure=FEE_PROCEDURE,
            answers={"applicant_full_name": "Nguyễn Văn An", "applicant_phone": "0912345678"},
            channel="rest",
            sender_id=f"bench-pay-{number}",
            phone_hash="bench",
            idempotency_key=f"bench-pay-{number}",
        ).code
        offer = product.payments.offer(code)
        answers.append(gateway_answer(offer.url, settings.payments.hash_secret, number))
    samples, codes = [], []
    for answer in answers + answers[:20]:  # the last 20 are replays: answered 02
        url = f"{stack.backoffice_url}/payments/vnpay/ipn?{urllib.parse.urlencode(answer)}"
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as response:
            body = response.read()
        samples.append((time.perf_counter() - started) * 1000)
        codes.append(body.decode())
    confirmed = sum('"00"' in code for code in codes)
    return {"ipn": percentiles(samples), "confirmed": confirmed, "replays_refused": len(codes) - confirmed}
