"""Payment routes on the back-office: VNPay's IPN and return URL, the VietQR image of a dossier's fee, and
the development gateway (only with DVC_DEV_PAYMENT_GATEWAY=1). Thin: bot/payments does the work."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import ClientError, ClientSession, ClientTimeout, web

from backoffice.officer_session import app_services, run_blocking, wake_delivery
from bot.dossiers.submission import link_token_matches
from bot.payments import messages, vietqr, vnpay
from bot.payments.dev_gateway import DevGateway, OrderRefusedError
from bot.services import Services
from bot.settings import DEV_GATEWAY_PATH
from bot.text.money import money

logger = logging.getLogger(__name__)
GATEWAY_KEY = web.AppKey("dev_gateway", DevGateway)


async def ipn(request: web.Request) -> web.Response:
    """VNPay's server-to-server confirmation: always answered with VNPay's JSON, never an HTML error."""
    try:
        code, message = await run_blocking(app_services(request).payments.settle, dict(request.query))
    except Exception:
        logger.exception("IPN could not be processed")
        code, message = vnpay.UNKNOWN_ERROR
    if code == vnpay.CONFIRMED[0]:
        wake_delivery(request)  # the receipt reaches the chat now, not at the next poll
    return web.json_response({"RspCode": code, "Message": message})


async def payment_return(request: web.Request) -> web.Response:
    """Where the citizen's browser comes back. It only reports: the IPN is what records a payment."""
    app = app_services(request)
    fields = dict(request.query)
    context = {"code": "", "amount": ""}
    if not app.settings.payments.enabled or not vnpay.verify(fields, app.settings.payments.hash_secret):
        heading, text, tone = messages.RETURN_INVALID, messages.RETURN_INVALID_TEXT, "no"
    else:
        paid = await run_blocking(app.payments.paid_dossier, fields.get("vnp_TxnRef", ""))
        if paid is not None:
            code, amount = paid
            context = {"code": code, "amount": money(amount)}
            text = messages.RETURN_PAID_TEXT.format(amount=money(amount), code=code)
            heading, tone = messages.RETURN_PAID, "ok"
        elif fields.get("vnp_ResponseCode") == vnpay.SUCCESS:
            heading, text, tone = messages.RETURN_WAITING, messages.RETURN_WAITING_TEXT, "wait"
        else:
            text = messages.RETURN_CANCELLED_TEXT.format(response=fields.get("vnp_ResponseCode", ""))
            heading, tone = messages.RETURN_CANCELLED, "no"
    return aiohttp_jinja2.render_template(
        "payments/result.html", request, {"heading": heading, "text": text, "tone": tone, **context}
    )


async def vietqr_image(request: web.Request) -> web.Response:
    app = app_services(request)
    code = request.match_info["code"]
    if not link_token_matches(app.secret, "vietqr", code, request.query.get("t", "")):
        raise web.HTTPNotFound(text="Không tìm thấy mã QR (liên kết không đúng).")
    payload = await run_blocking(app.payments.transfer_payload, code)
    if not payload:
        raise web.HTTPNotFound(text="Hồ sơ không có lệ phí cần chuyển khoản.")
    png = await run_blocking(vietqr.png, payload)
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})


# -- the development gateway ---------------------------------------------------------------------------


async def dev_gateway_page(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY_KEY]
    try:
        order = gateway.order(dict(request.query), datetime.now(timezone.utc))
    except (OrderRefusedError, KeyError, ValueError) as refused:
        context = {"refused": str(refused) if isinstance(refused, OrderRefusedError) else "Thiếu thông tin."}
        return aiohttp_jinja2.render_template("payments/dev_gateway.html", request, context, status=400)
    context = {
        "order": order,
        "amount": money(order.amount_vnd),
        "pay_url": str(request.app.router["dev_gateway_pay"].url_for()),
    }
    return aiohttp_jinja2.render_template("payments/dev_gateway.html", request, context)


async def dev_gateway_pay(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY_KEY]
    settings = app_services(request).settings.payments
    form = await request.post()
    fields = {key: str(value) for key, value in form.items() if key.startswith("vnp_")}
    now = datetime.now(timezone.utc)
    try:
        order = gateway.order(fields, now)
    except (OrderRefusedError, KeyError, ValueError) as refused:
        context = {"refused": str(refused) if isinstance(refused, OrderRefusedError) else "Thiếu thông tin."}
        return aiohttp_jinja2.render_template("payments/dev_gateway.html", request, context, status=400)
    answer = gateway.decide(order, str(form.get("decision", "")), now)
    if form.get("skip_ipn") != "1":
        await _call_ipn(settings.ipn_url, answer)
    target = fields.get("vnp_ReturnUrl") or settings.return_url
    raise web.HTTPFound(f"{target}?{urlencode(answer)}")


async def _call_ipn(url: str, answer: dict[str, str]) -> None:
    """As VNPay does: a server-to-server GET with the signed answer; its JSON reply is only logged."""
    try:
        async with (
            ClientSession(timeout=ClientTimeout(total=10)) as client,
            client.get(url, params=answer) as response,
        ):
            reply = await response.json(content_type=None)
            logger.info("development gateway: IPN answered %s", reply.get("RspCode"))
    except (ClientError, asyncio.TimeoutError, ValueError) as error:
        logger.warning("development gateway: IPN call failed (%s)", type(error).__name__)


async def dev_gateway_querydr(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        return web.json_response({"vnp_ResponseCode": "99", "vnp_Message": "Invalid request"}, status=400)
    answer = request.app[GATEWAY_KEY].querydr(body, datetime.now(timezone.utc))
    return web.json_response(answer)


def add_payment_routes(app: web.Application, services: Services) -> None:
    app.router.add_get("/payments/vnpay/ipn", ipn, name="vnpay_ipn")
    app.router.add_get("/payments/vnpay/return", payment_return, name="vnpay_return")
    app.router.add_get("/payments/{code}/vietqr.png", vietqr_image, name="vietqr_image")
    if services.settings.payments.dev_gateway:
        app[GATEWAY_KEY] = DevGateway(services.settings.payments)
        app.router.add_get(f"{DEV_GATEWAY_PATH}/vpcpay.html", dev_gateway_page, name="dev_gateway")
        app.router.add_post(f"{DEV_GATEWAY_PATH}/pay", dev_gateway_pay, name="dev_gateway_pay")
        app.router.add_post(
            f"{DEV_GATEWAY_PATH}/merchant_webapi/api/transaction", dev_gateway_querydr, name="dev_gateway_api"
        )
