"""The officers' live chat (bot/handover): the queue of conversations waiting for an officer of the
department, claiming one, chatting with the citizen on their own channel, releasing it back to the bot, and
closing the messages left out of hours. Server-rendered; the chat page polls for the citizen's replies."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from backoffice.officer_session import (
    app_services,
    csrf_ok,
    require_officer,
    run_blocking,
    wake_delivery,
)
from bot.handover.desk import PERSONAL_DATA_ROLES, HandoverError
from bot.handover.models import ACTIVE, CALLBACK
from bot.officers.authentication import SignedIn
from bot.text.masking import mask_personal
from bot.workflow.clock import vietnam_time

QUEUE_PATH = "/officer/handover"
HISTORY_LINES = 30
REASON_LABELS = {
    "asked": "Người dân yêu cầu",
    "button": "Bấm nút gặp cán bộ",
    "fallbacks": "Trợ lý không hiểu 2 lần",
    "out_of_hours": "Lời nhắn ngoài giờ",
}
CHANNEL_LABELS = {"rest": "Web", "socketio": "Web", "telegram": "Telegram", "zalo": "Zalo"}


def _visible(signed_in: SignedIn, text: str) -> str:
    """Personal data (phones, ID numbers, names after "tên") masked unless the officer's role handles it."""
    return text if signed_in.officer.role in PERSONAL_DATA_ROLES else mask_personal(text)


def _request_id(request: web.Request) -> int:
    try:
        return int(request.match_info["request_id"])
    except ValueError:
        raise web.HTTPNotFound() from None


def _error(request: web.Request, signed_in: SignedIn, message: str, status: int = 409) -> web.Response:
    context = {"status": status, "message": message, "signed_in": signed_in}
    return aiohttp_jinja2.render_template("officer/error.html", request, context, status=status)


async def queue_page(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    desk = app_services(request).handover_desk
    entries = await run_blocking(desk.queue, signed_in.officer)
    context = {
        "signed_in": signed_in,
        "entries": entries,
        "reasons": REASON_LABELS,
        "channels": CHANNEL_LABELS,
        "open_now": desk.is_open(),
        "me": signed_in.officer.id,
        "done": request.query.get("done", ""),
    }
    return aiohttp_jinja2.render_template("officer/handover_queue.html", request, context)


async def claim(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    if not csrf_ok(signed_in, await request.post()):
        return _error(request, signed_in, "Yêu cầu không hợp lệ (thiếu mã bảo vệ CSRF).", 403)
    request_id = _request_id(request)
    try:
        await run_blocking(app_services(request).handover_desk.claim, request_id, signed_in.officer)
    except HandoverError as refused:
        return _error(request, signed_in, str(refused))
    wake_delivery(request)
    raise web.HTTPFound(f"{QUEUE_PATH}/{request_id}")


def _chat_data(request: web.Request, signed_in: SignedIn, request_id: int) -> dict[str, Any]:
    app = app_services(request)
    entry = app.handover_desk.request_of(request_id, signed_in.officer)
    history = app.conversations.recent_lines(entry.sender_id, HISTORY_LINES)
    lines = app.handover_desk.transcript(request_id, signed_in.officer)
    return {
        "entry": entry,
        "phone": _visible(signed_in, entry.callback_phone or ""),
        "history": [(line.author, _visible(signed_in, line.text), vietnam_time(line.at)) for line in history],
        "lines": [_line(signed_in, line) for line in lines],
        "last_id": lines[-1].id if lines else 0,
        "holding": entry.status == ACTIVE and entry.officer_id == signed_in.officer.id,
        "is_callback": entry.kind == CALLBACK,
    }


def _line(signed_in: SignedIn, line: Any) -> dict[str, Any]:
    return {
        "id": line.id,
        "author": line.author,
        "text": _visible(signed_in, line.text) if line.author == "citizen" else line.text,
        "at": vietnam_time(line.created_at).strftime("%H:%M"),
    }


async def chat_page(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    try:
        data = await run_blocking(_chat_data, request, signed_in, _request_id(request))
    except HandoverError as refused:
        return _error(request, signed_in, str(refused), 404)
    context = {"signed_in": signed_in, "reasons": REASON_LABELS, "channels": CHANNEL_LABELS, **data}
    return aiohttp_jinja2.render_template("officer/handover_chat.html", request, context)


async def chat_lines(request: web.Request) -> web.Response:
    """The chat's lines after `after` (the page polls this for the citizen's replies)."""
    signed_in = await require_officer(request)
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        after = 0
    desk = app_services(request).handover_desk
    request_id = _request_id(request)
    try:
        lines = await run_blocking(desk.transcript, request_id, signed_in.officer, after)
        entry = await run_blocking(desk.request_of, request_id, signed_in.officer)
    except HandoverError as refused:
        return web.json_response({"error": str(refused)}, status=404)
    return web.json_response(
        {"status": entry.status, "lines": [_line(signed_in, line) for line in lines]},
        headers={"Cache-Control": "no-store"},
    )


async def send(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    form = await request.post()
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not csrf_ok(signed_in, form):
        return web.json_response({"error": "Thiếu mã bảo vệ CSRF."}, status=403)
    request_id = _request_id(request)
    try:
        await run_blocking(
            app_services(request).handover_desk.send, request_id, signed_in.officer, str(form.get("text", ""))
        )
    except HandoverError as refused:
        if wants_json:
            return web.json_response({"error": str(refused)}, status=409)
        return _error(request, signed_in, str(refused))
    wake_delivery(request)
    if wants_json:
        return web.json_response({"sent": True})
    raise web.HTTPFound(f"{QUEUE_PATH}/{request_id}")


async def release(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    form = await request.post()
    if not csrf_ok(signed_in, form):
        return _error(request, signed_in, "Yêu cầu không hợp lệ (thiếu mã bảo vệ CSRF).", 403)
    desk = app_services(request).handover_desk
    request_id = _request_id(request)
    summary = str(form.get("summary", ""))
    try:
        entry = await run_blocking(desk.request_of, request_id, signed_in.officer)
        if entry.kind == CALLBACK and entry.status != ACTIVE:
            await run_blocking(desk.close_callback, request_id, signed_in.officer, summary)
        else:
            await run_blocking(desk.release, request_id, signed_in.officer, summary)
    except HandoverError as refused:
        return _error(request, signed_in, str(refused))
    wake_delivery(request)
    raise web.HTTPFound(f"{QUEUE_PATH}?done=1")


def add_handover_pages(app: web.Application) -> None:
    router = app.router
    router.add_get(QUEUE_PATH, queue_page, name="officer_handover")
    router.add_get(QUEUE_PATH + "/{request_id}", chat_page, name="officer_handover_chat")
    router.add_get(QUEUE_PATH + "/{request_id}/messages", chat_lines, name="officer_handover_lines")
    router.add_post(QUEUE_PATH + "/{request_id}/messages", send, name="officer_handover_send")
    router.add_post(QUEUE_PATH + "/{request_id}/claim", claim, name="officer_handover_claim")
    router.add_post(QUEUE_PATH + "/{request_id}/release", release, name="officer_handover_release")
