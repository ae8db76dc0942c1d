"""aiohttp application factory for the back-office (port 8080 by default)."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import errno
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import hdrs, web
from multidict import MultiDictProxy

from backoffice.analytics_pages import add_analytics_pages
from backoffice.api import add_api_routes
from backoffice.app_keys import (
    DELIVERY_KEY,
    SERVICES_KEY,
    SETTINGS_KEY,
    SIGN_IN_LIMITER_KEY,
    UPLOAD_LIMITER_KEY,
)
from backoffice.cors import cors_headers
from backoffice.handover_pages import add_handover_pages
from backoffice.officer_pages import add_officer_pages
from backoffice.officer_session import client_address
from backoffice.operations_routes import add_operations_routes, answers, database_answers
from backoffice.payment_routes import add_payment_routes
from backoffice.pdf_responses import declaration_pdf, pdf_response
from backoffice.statistics_routes import add_statistics_routes
from backoffice.webchat_updates import HUB_KEY, add_webchat_updates
from bot.channels.health import channel_health
from bot.dossiers.attachments import MAX_BYTES, AttachmentRejectedError
from bot.dossiers.submission import link_token_matches
from bot.limits.rate import SlidingWindowLimiter
from bot.notifications.delivery import RasaDelivery
from bot.services import Services, services
from bot.settings import PROJECT_ROOT, Settings
from bot.statistics import Statistics, dossier_statistics

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
WEBCHAT_STATIC = PROJECT_ROOT / "connectors" / "webchat" / "static"


@aiohttp_jinja2.template("demo.html")
async def demo_page(request: web.Request) -> dict[str, str]:
    settings = request.app[SETTINGS_KEY]
    return {
        "commune_name": settings.commune_name,
        "rasa_url": settings.rasa_public_url,
        "widget_url": str(request.app.router["webchat"].url_for(filename="widget.js")),
        "stats_card_url": str(request.app.router["backoffice_static"].url_for(filename="stats-card.js")),
        "statistics_url": str(request.app.router["statistics"].url_for()),
    }


async def health(request: web.Request) -> web.Response:
    """For the commune's IT staff and monitoring: 200 when the database answers, 503 otherwise."""
    settings = request.app[SETTINGS_KEY]
    database_ok = await asyncio.get_running_loop().run_in_executor(
        None, database_answers, settings.database_url
    )
    body = {
        "status": "ok" if database_ok else "degraded",
        "database": "ok" if database_ok else "unavailable",
        "rasa": "ok" if await answers(f"{settings.rasa_internal_url}/") else "unavailable",
    }
    if database_ok:
        app_services = request.app[SERVICES_KEY]
        body["channels"] = await asyncio.get_running_loop().run_in_executor(
            None, channel_health, settings, app_services.channel_queue, app_services.channel_updates
        )
        # Dossier updates not yet in the citizen's conversation, and the delivery rounds run so far.
        delivery = request.app.get(DELIVERY_KEY)
        if delivery is not None:
            waiting = await asyncio.get_running_loop().run_in_executor(None, app_services.outbox.waiting)
            body["notifications"] = {"waiting": waiting, "delivery_rounds": delivery.rounds}
    return web.json_response(body, status=200 if database_ok else 503)


def _citizen_declaration_pdf(app: Services, code: str, token: str) -> bytes | None:
    if not link_token_matches(app.secret, "declaration", code, token):
        return None
    return declaration_pdf(app, code)


async def declaration(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    pdf = await asyncio.get_running_loop().run_in_executor(
        None, _citizen_declaration_pdf, request.app[SERVICES_KEY], code, request.query.get("t", "")
    )
    if pdf is None:  # wrong token and unknown dossier look the same: codes cannot be probed
        raise web.HTTPNotFound(text="Không tìm thấy tờ khai (liên kết không đúng hoặc đã hết hiệu lực).")
    return pdf_response(f"to-khai-{code}.pdf", pdf)


def _citizen_result(app: Services, code: str, token: str) -> bytes | None:
    if not link_token_matches(app.secret, "result", code, token):
        return None
    return app.result_files.get(code)


async def result_file(request: web.Request) -> web.Response:
    """The citizen's result file (online delivery), by the tokenised link the chat gave them."""
    code = request.match_info["code"]
    pdf = await asyncio.get_running_loop().run_in_executor(
        None, _citizen_result, request.app[SERVICES_KEY], code, request.query.get("t", "")
    )
    if pdf is None:
        raise web.HTTPNotFound(text="Không tìm thấy kết quả (liên kết không đúng hoặc chưa có kết quả).")
    return pdf_response(f"ket-qua-{code}.pdf", pdf)


def upload_headers(request: web.Request) -> dict[str, str]:
    return {**cors_headers(request), "Access-Control-Allow-Methods": "POST, OPTIONS"}


async def upload(request: web.Request) -> web.Response:
    """A citizen's photo or PDF of a paper, uploaded from the chat widget during a dossier form.

    Returns the upload id that the widget then sends to the assistant as `/attach{"upload_id": …}`."""
    cors = upload_headers(request)
    if request.method == "OPTIONS":
        return web.Response(headers=cors)
    decision = request.app[UPLOAD_LIMITER_KEY].hit(client_address(request))
    if not decision.allowed:
        minutes = max(1, round(decision.retry_after_seconds / 60))
        error = f"Dạ, anh/chị gửi nhiều tệp quá nhanh, vui lòng đợi khoảng {minutes} phút rồi gửi tiếp ạ."
        headers = {**cors, "Retry-After": str(decision.retry_after_seconds)}
        return web.json_response({"error": error, "kind": "rate_limited"}, status=429, headers=headers)
    try:
        form = await read_form(request)
    except web.HTTPRequestEntityTooLarge:
        return web.json_response({"error": "Dạ, tệp lớn hơn 10 MB ạ."}, status=413, headers=cors)
    except web.HTTPRequestTimeout:
        error = "Dạ, tệp gửi lên chậm quá nên chưa nhận được, anh/chị gửi lại giúp em ạ."
        return web.json_response({"error": error}, status=408, headers=cors)
    except web.HTTPBadRequest:
        error = "Dạ, em không đọc được tệp gửi lên, anh/chị chọn lại tệp giúp em ạ."
        return web.json_response({"error": error}, status=400, headers=cors)
    file = form.get("file")
    if not isinstance(file, web.FileField):
        return web.json_response({"error": "Thiếu tệp (trường 'file')."}, status=400, headers=cors)
    content = file.file.read(MAX_BYTES + 1)
    try:
        saved = request.app[SERVICES_KEY].attachments.save(file.filename, content)
    except AttachmentRejectedError as rejected:
        return web.json_response({"error": str(rejected)}, status=400, headers=cors)
    body = {"upload_id": saved.upload_id, "filename": saved.filename, "size": saved.size}
    return web.json_response(body, status=201, headers=cors)


async def notification_delivery(app: web.Application):
    """Background task: push the outbox to citizens' conversations through Rasa until each is taken."""
    settings = app[SETTINGS_KEY]
    delivery = RasaDelivery(
        app[SERVICES_KEY].outbox,
        settings.rasa_internal_url,
        settings.rasa_auth_token,
        settings.notification_poll_seconds,
        app[HUB_KEY],  # the widget's event streams show each delivery at once
    )
    app[DELIVERY_KEY] = delivery
    task = asyncio.create_task(delivery.run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


HOUSEKEEPING_SECONDS = 3600


def _housekeeping(app_services: Services) -> dict[str, int]:
    return {
        "expired officer sessions": app_services.authenticator.purge_expired_sessions(),
        "old OTP codes": app_services.otp.purge_old_codes(),
        "old status lookups": app_services.status_desk.purge_old_lookups(),
        "chat platform updates older than a day": app_services.channel_updates.forget_older_than(),
        "unused long button payloads": app_services.button_payloads.forget_older_than(),
        "chat messages sent over a week ago": app_services.channel_queue.forget_sent_older_than(),
        "missed search questions over a year old": app_services.misses.forget_older_than(),
    }


async def housekeeping(app: web.Application):
    """Background task: delete what only served for a while (expired sessions, old OTP codes and lookups)."""

    async def run() -> None:
        while True:
            try:
                purged = await asyncio.get_running_loop().run_in_executor(
                    None, _housekeeping, app[SERVICES_KEY]
                )
                logger.info("housekeeping: %s", purged)
            except Exception:
                logger.exception("housekeeping failed")
            await asyncio.sleep(HOUSEKEEPING_SECONDS)

    task = asyncio.create_task(run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def public_statistics(app_services: Services, settings: Settings) -> Callable[[int], Statistics]:
    def compute(months: int) -> Statistics:
        now = datetime.now(timezone.utc)
        return dossier_statistics(
            app_services.sessions, now=now, months=months, commune=settings.commune_name
        )

    return compute


@web.middleware
async def security_headers(request: web.Request, handler):
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


BODY_TOO_SLOW = "Nội dung gửi lên đến quá chậm (quá {seconds:g} giây), vui lòng gửi lại."


async def within_deadline(request: web.Request, reading: Awaitable[Any]) -> Any:
    """`reading` (of the request's body), or 408 when the client has not sent it within the deadline."""
    seconds = request.app[SETTINGS_KEY].citizen_limits.body_seconds
    try:
        return await asyncio.wait_for(reading, seconds)
    except asyncio.TimeoutError:
        raise web.HTTPRequestTimeout(text=BODY_TOO_SLOW.format(seconds=seconds)) from None


async def read_form(request: web.Request) -> MultiDictProxy:
    """The request's form; HTTPBadRequest when its body cannot be read as one. aiohttp keeps the result, so a
    handler's own `await request.post()` afterwards gets the same form without reading again."""
    try:
        return await within_deadline(request, request.post())
    except web.HTTPException:  # 413: too large; 408: too slow
        raise
    except Exception as error:  # invalid UTF-8, unknown charset, broken multipart: aiohttp fails many ways
        raise web.HTTPBadRequest(text="Nội dung gửi lên không đọc được.") from error


def _known_charset(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _utf8(text: str) -> bool:
    """False for text aiohttp decoded from bytes that are not UTF-8 (it hands those over as surrogates)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


@web.middleware
async def readable_requests(request: web.Request, handler):
    """A request the server cannot read is the client's error, answered 4xx before any handler runs (and not
    a 500 from deep inside it): headers that are not UTF-8 (a cookie or token with a byte 0xFF), and bodies
    that are compressed (inflated, a small one could take gigabytes), in an unknown charset or not a form."""
    if not all(_utf8(value) for value in request.headers.values()):
        raise web.HTTPBadRequest(text="Tiêu đề yêu cầu (header) không phải UTF-8.")
    if request.body_exists:
        encoding = request.headers.get(hdrs.CONTENT_ENCODING, "").strip().lower()
        if encoding not in ("", "identity"):
            raise web.HTTPUnsupportedMediaType(text="Nội dung nén (Content-Encoding) không được nhận.")
        if request.charset and not _known_charset(request.charset):
            raise web.HTTPUnsupportedMediaType(text="Bảng mã ký tự (charset) không được hỗ trợ.")
        if request.content_type not in FORM_TYPES:
            await within_deadline(request, request.read())  # kept: the handler's json() reads it again
        elif request.match_info.handler is not upload:
            await read_form(request)  # the upload answers the widget in JSON itself
    return await handler(request)


@web.middleware
async def too_long_names(request: web.Request, handler):
    """A file name longer than the file system allows (a static file, a result PDF named after the dossier
    code in the URL) names no file: 404, not the 500 of its OSError."""
    try:
        return await handler(request)
    except OSError as error:
        if error.errno != errno.ENAMETOOLONG:
            raise
        raise web.HTTPNotFound() from error


def create_app(
    settings: Settings, app_services: Services | None = None, *, deliver_notifications: bool = True
) -> web.Application:
    # Uploads are capped at 10 MB (plus the multipart envelope); aiohttp refuses larger bodies with 413.
    # Bodies are never inflated (readable_requests refuses compressed ones): no decompression bomb.
    app = web.Application(
        middlewares=[security_headers, readable_requests, too_long_names],
        client_max_size=MAX_BYTES + 64 * 1024,
        handler_args={"auto_decompress": False},
    )
    app[SETTINGS_KEY] = settings
    app[SERVICES_KEY] = app_services or services()
    limits = settings.officers
    app[SIGN_IN_LIMITER_KEY] = SlidingWindowLimiter(limits.sign_in_attempts, limits.sign_in_window_seconds)
    citizens = settings.citizen_limits
    app[UPLOAD_LIMITER_KEY] = SlidingWindowLimiter(citizens.uploads, citizens.upload_window_seconds)
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    app.router.add_get("/", demo_page, name="demo")
    app.router.add_get("/healthz", health, name="health")
    app.router.add_get("/dossiers/{code}/declaration.pdf", declaration, name="declaration")
    app.router.add_get("/dossiers/{code}/result.pdf", result_file, name="result_file")
    app.router.add_route("POST", "/api/uploads", upload, name="upload")
    app.router.add_route("OPTIONS", "/api/uploads", upload)
    app.router.add_static("/static/webchat/", WEBCHAT_STATIC, name="webchat")
    add_statistics_routes(app, public_statistics(app[SERVICES_KEY], settings))
    add_officer_pages(app)
    add_handover_pages(app)
    add_analytics_pages(app)
    add_webchat_updates(app, app[SERVICES_KEY].outbox)
    add_api_routes(app)
    add_payment_routes(app, app[SERVICES_KEY])
    add_operations_routes(app)
    if deliver_notifications:
        app.cleanup_ctx.append(notification_delivery)
        app.cleanup_ctx.append(housekeeping)
    return app
