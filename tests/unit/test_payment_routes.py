"""The payment routes on a real back-office server: VNPay's IPN answers, the return page (which never marks
anything paid), the VietQR image, and the development gateway playing VNPay end to end, querydr included."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from aiohttp.test_utils import TestClient, TestServer, unused_port

from backoffice.app import create_app
from bot.catalog.model import ONLINE, Channel, Fee, TimeLimit
from bot.payments import service, vnpay
from bot.payments.reconcile import reconcile
from bot.services import Services
from bot.settings import payment_settings
from tests.unit.catalog_fixtures import procedure
from tests.unit.dossier_fixtures import FORM

FEE_PROCEDURE = procedure(
    "1.001193", "Thủ tục X", channels=(Channel(ONLINE, TimeLimit("1"), Fee("15.000", (15000,))),)
)


def with_dev_gateway(services: Services, port: int, monkeypatch) -> Services:
    monkeypatch.setenv("DVC_DEV_PAYMENT_GATEWAY", "1")
    monkeypatch.setenv("DVC_VIETQR_BANK_BIN", "970436")
    monkeypatch.setenv("DVC_VIETQR_ACCOUNT", "0011001234567")
    public = f"http://127.0.0.1:{port}"
    settings = dataclasses.replace(
        services.settings, backoffice_public_url=public, payments=payment_settings(public)
    )
    return Services(settings)


def file_dossier(services: Services) -> str:
    return services.dossiers.submit(
        form=FORM,
        procedure=FEE_PROCEDURE,
        answers={"applicant_full_name": "Nguyễn Văn An", "applicant_phone": "0912345678"},
        channel="rest",
        sender_id="web-1",
        phone_hash="h",
        idempotency_key="k1",
    ).code


def run(services: Services, port: int, scenario):
    async def main():
        app = create_app(services.settings, services, deliver_notifications=False)
        async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
            return await scenario(client)

    return asyncio.run(main())


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_development_gateway_pays_through_the_ipn_and_the_return_page_only_reports(
    blank_services, monkeypatch
):
    port = unused_port()
    app = with_dev_gateway(blank_services, port, monkeypatch)
    code = file_dossier(app)
    offer = app.payments.offer(code)
    assert offer.url.startswith(f"http://127.0.0.1:{port}/payments/dev-gateway/vpcpay.html?")

    async def scenario(client: TestClient):
        page = await client.get(relative(offer.url))
        html = await page.text()
        assert page.status == 200 and "15.000 đồng" in html and "Thanh toán" in html
        fields = dict(parse_qsl(urlsplit(offer.url).query))
        paid = await client.post(
            "/payments/dev-gateway/pay", data={**fields, "decision": "pay"}, allow_redirects=False
        )
        assert paid.status == 302
        back = paid.headers["Location"]
        assert back.startswith(app.settings.payments.return_url)
        result = await client.get(relative(back))
        assert "Thanh toán thành công" in await result.text() and code in await result.text()
        # The IPN came first, from the gateway: a repeat is answered 02 and changes nothing.
        again = await client.get("/payments/vnpay/ipn?" + urlsplit(back).query)
        assert await again.json() == {"RspCode": "02", "Message": "Order already confirmed"}
        tampered = dict(parse_qsl(urlsplit(back).query), vnp_Amount="100")
        refused = await client.get("/payments/vnpay/ipn", params=tampered)
        assert (await refused.json())["RspCode"] == "97"
        forged = await client.get("/payments/vnpay/return", params=tampered)
        assert "Không xác thực được" in await forged.text()

    run(app, port, scenario)
    assert app.payments.offer(code).outcome == service.ALREADY_PAID
    view = app.workflow.get(code)
    assert view.fee_paid and "qua VNPay" in view.fee_receipt


def test_a_cancelled_payment_says_so_and_a_forged_order_is_refused_by_the_gateway(
    blank_services, monkeypatch
):
    port = unused_port()
    app = with_dev_gateway(blank_services, port, monkeypatch)
    code = file_dossier(app)
    offer = app.payments.offer(code)

    async def scenario(client: TestClient):
        fields = dict(parse_qsl(urlsplit(offer.url).query))
        forged = await client.get("/payments/dev-gateway/vpcpay.html", params={**fields, "vnp_Amount": "100"})
        assert forged.status == 400 and "Sai chữ ký" in await forged.text()
        cancelled = await client.post(
            "/payments/dev-gateway/pay", data={**fields, "decision": "cancel"}, allow_redirects=False
        )
        page = await client.get(relative(cancelled.headers["Location"]))
        assert "Chưa thanh toán" in await page.text() and "24" in await page.text()

    run(app, port, scenario)
    assert app.payments.offer(code).outcome == service.LINK  # a new attempt, at once


def test_the_reconciliation_settles_a_payment_whose_ipn_was_lost(blank_services, monkeypatch):
    port = unused_port()
    app = with_dev_gateway(blank_services, port, monkeypatch)
    code = file_dossier(app)
    offer = app.payments.offer(code)

    async def scenario(client: TestClient):
        fields = dict(parse_qsl(urlsplit(offer.url).query))
        await client.post(
            "/payments/dev-gateway/pay",
            data={**fields, "decision": "pay", "skip_ipn": "1"},
            allow_redirects=False,
        )
        assert app.payments.offer(code).outcome == service.LINK  # nothing recorded yet
        outcomes = await reconcile(app.payments, timedelta(0))
        assert list(outcomes.values()) == ["paid"]
        assert await reconcile(app.payments, timedelta(0)) == {}  # nothing left unsettled

    run(app, port, scenario)
    assert app.payments.offer(code).outcome == service.ALREADY_PAID


def test_the_vietqr_image_needs_the_dossiers_token(blank_services, monkeypatch):
    port = unused_port()
    app = with_dev_gateway(blank_services, port, monkeypatch)
    code = file_dossier(app)

    async def scenario(client: TestClient):
        image = await client.get(relative(app.vietqr_url(code)))
        assert image.status == 200 and (await image.read()).startswith(b"\x89PNG")
        wrong = await client.get(f"/payments/{code}/vietqr.png", params={"t": "x" * 32})
        assert wrong.status == 404

    run(app, port, scenario)


def test_without_the_flag_there_is_no_development_gateway(blank_services):
    port = unused_port()

    async def scenario(client: TestClient):
        assert (await client.get("/payments/dev-gateway/vpcpay.html")).status == 404
        # Unconfigured, even an answer signed with the empty secret is refused.
        fields = {"vnp_TxnRef": "1N1", "vnp_Amount": "1500000", "vnp_ResponseCode": "00"}
        signed = {**fields, "vnp_SecureHash": vnpay.sign(fields, "")}
        ipn = await client.get("/payments/vnpay/ipn", params=signed)
        assert (await ipn.json())["RspCode"] == vnpay.INVALID_SIGNATURE[0]

    run(blank_services, port, scenario)


def test_an_ipn_that_cannot_be_processed_is_answered_99_not_an_error_page(blank_services, monkeypatch):
    port = unused_port()
    app = with_dev_gateway(blank_services, port, monkeypatch)

    def broken(fields, via="ipn"):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(app.payments, "settle", broken)

    async def scenario(client: TestClient):
        answer = await client.get("/payments/vnpay/ipn", params={"vnp_TxnRef": "1N1"})
        assert answer.status == 200 and await answer.json() == {"RspCode": "99", "Message": "Unknown error"}

    run(app, port, scenario)
