"""The officers' web pages: sign-in, the dossier inbox, a dossier's detail and actions (server-rendered)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select

from backoffice.officer_password import add_password_pages
from backoffice.officer_session import (
    HOME_PATH,
    LOGIN_CSRF_COOKIE,
    PASSWORD_PATH,
    SESSION_COOKIE,
    app_services,
    csrf_ok,
    login_csrf_ok,
    new_login_csrf,
    require_officer,
    require_signed_in,
    run_blocking,
    safe_next,
    set_cookie,
    sign_in_rate,
    signed_in_officer,
    too_many_sign_ins,
    wake_delivery,
)
from backoffice.pdf_responses import declaration_pdf, pdf_response
from bot.db.models import Dossier
from bot.dossiers import delivery
from bot.dossiers.delivery import MAX_RESULT_BYTES
from bot.officers import audit
from bot.officers.accounts import ADMIN, DESK, LEADER, ROLE_LABELS, ROLES, SPECIALIST, AccountError
from bot.officers.authentication import WEB, AccountLockedError, InvalidCredentialsError, SignedIn
from bot.services import Services
from bot.workflow.clock import VIETNAM, local_date, vietnam_time
from bot.workflow.permissions import WorkflowError, can_see, visibility
from bot.workflow.service import EVENT_LABELS
from bot.workflow.states import RESULT_READY, RETURNED, RULES, STATUS_LABELS
from bot.workflow.views import DossierFilter, DossierView

ERROR_STATUS = {"invalid": 400, "forbidden": 403, "not_found": 404, "conflict": 409}
INBOX_LIMIT = 500


def vn_datetime(moment: datetime | None) -> str:
    return vietnam_time(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def vn_date(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = local_date(day)
    return day.strftime("%d/%m/%Y")


def error_page(request: web.Request, status: int, message: str, signed_in: SignedIn | None = None):
    context = {"status": status, "message": message, "signed_in": signed_in}
    return aiohttp_jinja2.render_template("officer/error.html", request, context, status=status)


# --- sign-in ---------------------------------------------------------------------------------------


def _login_page(request: web.Request, next_url: str, error: str = "", status: int = 200) -> web.Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
    context = {"csrf_token": token, "next": next_url, "error": error, "signed_in": None}
    response = aiohttp_jinja2.render_template("officer/login.html", request, context, status=status)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, max_age=3600)
    response.headers["Cache-Control"] = "no-store"
    return response


async def login_form(request: web.Request) -> web.Response:
    next_url = safe_next(request.query.get("next"))
    if await signed_in_officer(request) is not None:
        raise web.HTTPFound(next_url)
    return _login_page(request, next_url)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    next_url = safe_next(form.get("next") if isinstance(form.get("next"), str) else None)
    if not login_csrf_ok(request, form.get("csrf_token")):
        return _login_page(request, next_url, "Phiên đăng nhập đã hết hạn, vui lòng thử lại.", 403)
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    rate = sign_in_rate(request)
    if not rate.allowed:
        refused = _login_page(request, next_url, too_many_sign_ins(rate), 429)
        refused.headers["Retry-After"] = str(rate.retry_after_seconds)
        return refused
    app = app_services(request)
    try:
        officer = await run_blocking(app.authenticator.authenticate, username, password)
    except AccountLockedError as locked:
        until = vietnam_time(locked.until).strftime("%H:%M")
        return _login_page(request, next_url, f"Tài khoản tạm khóa đến {until}", 423)
    except InvalidCredentialsError:
        return _login_page(request, next_url, "Tên đăng nhập hoặc mật khẩu không đúng", 401)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # a new sign-in never keeps an older session token alive
        await run_blocking(app.authenticator.close_session, previous)
    issued = await run_blocking(app.authenticator.open_session, officer.id, WEB)
    if officer.must_change_password:
        next_url = f"{PASSWORD_PATH}?next={quote(next_url, safe='')}"
    response = web.HTTPFound(next_url)
    max_age = max(0, int((issued.expires_at - datetime.now(issued.expires_at.tzinfo)).total_seconds()))
    set_cookie(response, request, SESSION_COOKIE, issued.token, max_age=max_age)
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
    raise response


async def logout(request: web.Request) -> web.Response:
    signed_in = await require_signed_in(request)
    if not csrf_ok(signed_in, await request.post()):
        return error_page(request, 403, "Yêu cầu không hợp lệ (thiếu mã bảo vệ CSRF).", signed_in)
    await run_blocking(app_services(request).authenticator.close_session, request.cookies.get(SESSION_COOKIE))
    response = web.HTTPFound("/officer/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def officer_home(request: web.Request) -> web.Response:
    raise web.HTTPFound(HOME_PATH)


# --- inbox -----------------------------------------------------------------------------------------


def _procedures_present(app: Services) -> list[tuple[str, str]]:
    with app.sessions() as session:
        rows = session.execute(
            select(Dossier.procedure_code, Dossier.procedure_name).distinct().order_by(Dossier.procedure_code)
        ).all()
    names: dict[str, str] = {}
    for code, name in rows:
        names.setdefault(code, name)
    return sorted(names.items())


def _as_int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() else None


async def inbox(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    app = app_services(request)
    query = request.query
    status = query.get("status") if query.get("status") in STATUS_LABELS else None
    procedure = query.get("procedure") or None
    department_id = _as_int(query.get("department"))
    overdue = True if query.get("overdue") in ("1", "on", "true") else None
    filters = DossierFilter(status, procedure, department_id, overdue, visible=visibility(signed_in.officer))
    views = await run_blocking(app.workflow.list, filters, INBOX_LIMIT)
    departments = await run_blocking(app.accounts.list_departments)
    procedures = await run_blocking(_procedures_present, app)
    context = {
        "signed_in": signed_in,
        "dossiers": views,
        "statuses": STATUS_LABELS,
        "procedures": procedures,
        "departments": departments,
        "selected": {
            "status": status or "",
            "procedure": procedure or "",
            "department": department_id,
            "overdue": bool(overdue),
        },
        "my_department": signed_in.officer.department_id,
        "done": RULES[query["done"]].label if query.get("done") in RULES else "",
        "done_code": query.get("code", ""),
    }
    return aiohttp_jinja2.render_template("officer/dossiers.html", request, context)


# --- a dossier -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    label: str
    value: Any


def answer_rows(app: Services, view: DossierView) -> list[AnswerRow]:
    """Every answer, labelled by the form's field labels in the form's order; unknown keys shown raw."""
    form = app.forms.get(view.procedure_code)
    rows: list[AnswerRow] = []
    seen: set[str] = set()
    for field in form.fields if form else ():
        if field.name in view.answers:
            rows.append(AnswerRow(field.label, view.answers[field.name]))
            seen.add(field.name)
    rows += [AnswerRow(key, value) for key, value in view.answers.items() if key not in seen]
    return rows


def _detail_data(app: Services, code: str, signed_in: SignedIn) -> dict[str, Any]:
    view = app.workflow.open_for(code, signed_in.officer, audit.VIEW)
    actions = app.workflow.allowed(view, signed_in.officer)
    holder = view.department.id if view.department else None
    departments = [d for d in app.accounts.list_departments() if d.id != holder]
    officers = []
    if view.department and any(rule.needs_officer for rule in actions):
        officers = [
            officer
            for officer in app.accounts.list_officers(view.department.code)
            if officer.is_active and officer.role in (SPECIALIST, LEADER)
        ]
    return {
        "dossier": view,
        "delivery": delivery.chosen(view.answers),
        "delivery_choices": delivery.CHOICES,
        "delivery_online": delivery.ONLINE,
        "has_result_file": app.result_files.has(code),
        "can_change_delivery": signed_in.officer.role in (DESK, ADMIN)
        and view.status not in (RESULT_READY, RETURNED),
        "answers": answer_rows(app, view),
        "actions": actions,
        "departments": departments,
        "assignees": officers,
    }


async def _render_detail(
    request: web.Request, signed_in: SignedIn, *, error: str = "", status: int = 200, done: str = ""
) -> web.Response:
    code = request.match_info["code"]
    try:
        data = await run_blocking(_detail_data, app_services(request), code, signed_in)
    except WorkflowError as refused:
        return error_page(request, ERROR_STATUS.get(refused.kind, 400), str(refused), signed_in)
    context = {
        **data,
        "signed_in": signed_in,
        "error": error,
        "done": RULES[done].label if done in RULES else EVENT_LABELS.get(done, ""),
        "role_labels": ROLE_LABELS,
    }
    return aiohttp_jinja2.render_template("officer/dossier.html", request, context, status=status)


async def dossier_detail(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    return await _render_detail(request, signed_in, done=request.query.get("done", ""))


async def dossier_action(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    form = await request.post()
    if not csrf_ok(signed_in, form):
        return error_page(request, 403, "Yêu cầu không hợp lệ (thiếu mã bảo vệ CSRF).", signed_in)
    code = request.match_info["code"]
    action = str(form.get("action", ""))
    upload = form.get("result_file")
    if isinstance(upload, web.FileField):
        content = upload.file.read(MAX_RESULT_BYTES + 1)
        if content:
            if signed_in.officer.role not in (DESK, ADMIN):
                return error_page(request, 403, "Chỉ Bộ phận Một cửa tải lên kết quả.", signed_in)
            opened = await _open(request, signed_in, audit.RESULT_UPLOAD)
            if isinstance(opened, web.Response):
                return opened
            try:
                await run_blocking(app_services(request).result_files.save, code, content)
            except ValueError as refused:
                return await _render_detail(request, signed_in, error=str(refused), status=400)
    try:
        view = await run_blocking(
            app_services(request).workflow.perform,
            code,
            action,
            signed_in.officer,
            department=str(form.get("department", "")) or None,
            officer=str(form.get("officer", "")) or None,
            note=str(form.get("note", "")),
        )
    except WorkflowError as refused:
        return await _render_detail(
            request, signed_in, error=str(refused), status=ERROR_STATUS.get(refused.kind, 400)
        )
    wake_delivery(request)
    done = f"done={quote(action, safe='')}"
    if not can_see(view.position, signed_in.officer):  # forwarded out of their scope: back to the inbox
        raise web.HTTPFound(f"{HOME_PATH}?{done}&code={quote(code, safe='')}")
    raise web.HTTPFound(f"/officer/dossiers/{quote(code, safe='')}?{done}")


async def dossier_delivery(request: web.Request) -> web.Response:
    """Change how the result comes back (the citizen asked at the desk or by phone)."""
    signed_in = await require_officer(request)
    form = await request.post()
    if not csrf_ok(signed_in, form):
        return error_page(request, 403, "Yêu cầu không hợp lệ (thiếu mã bảo vệ CSRF).", signed_in)
    code = request.match_info["code"]
    try:
        await run_blocking(
            app_services(request).workflow.change_delivery,
            code,
            signed_in.officer,
            str(form.get("delivery", "")),
            str(form.get("address", "")),
        )
    except WorkflowError as refused:
        return await _render_detail(
            request, signed_in, error=str(refused), status=ERROR_STATUS.get(refused.kind, 400)
        )
    wake_delivery(request)
    raise web.HTTPFound(f"/officer/dossiers/{quote(code, safe='')}?done=change_delivery")


async def _open(
    request: web.Request, signed_in: SignedIn, purpose: str, detail: str = ""
) -> DossierView | web.Response:
    """The request's dossier if the officer may see it (the read is audited), else the error page."""
    code = request.match_info["code"]
    try:
        return await run_blocking(
            app_services(request).workflow.open_for, code, signed_in.officer, purpose, detail
        )
    except WorkflowError as refused:
        return error_page(request, ERROR_STATUS.get(refused.kind, 400), str(refused), signed_in)


async def dossier_result(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    code = request.match_info["code"]
    opened = await _open(request, signed_in, audit.RESULT)
    if isinstance(opened, web.Response):
        return opened
    pdf = await run_blocking(app_services(request).result_files.get, code)
    if pdf is None:
        return error_page(request, 404, f"Hồ sơ {code} chưa có tệp kết quả.", signed_in)
    return web.Response(body=pdf, content_type="application/pdf", headers={"Cache-Control": "no-store"})


def _attachment(app: Services, view: DossierView, upload_id: str) -> tuple[Any, bytes] | None:
    if not any(item.get("upload_id") == upload_id for item in view.attachments):
        return None
    stored = app.attachments.get(upload_id)
    content = app.attachments.content(upload_id) if stored else None
    return (stored, content) if content is not None else None


async def dossier_attachment(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    upload_id = request.match_info["upload_id"]
    opened = await _open(request, signed_in, audit.ATTACHMENT, upload_id)
    if isinstance(opened, web.Response):
        return opened
    found = await run_blocking(_attachment, app_services(request), opened, upload_id)
    if found is None:
        return error_page(request, 404, "Không tìm thấy tệp đính kèm của hồ sơ này.", signed_in)
    stored, content = found
    filename = quote(stored.filename, safe="")
    return web.Response(
        body=content,
        content_type=stored.content_type,
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{filename}",
            "Cache-Control": "no-store",
        },
    )


async def dossier_declaration(request: web.Request) -> web.Response:
    signed_in = await require_officer(request)
    code = request.match_info["code"]
    opened = await _open(request, signed_in, audit.DECLARATION)
    if isinstance(opened, web.Response):
        return opened
    pdf = await run_blocking(declaration_pdf, app_services(request), code)
    if pdf is None:
        return error_page(request, 404, f"Không có tờ khai của hồ sơ {code}.", signed_in)
    return pdf_response(f"to-khai-{code}.pdf", pdf)


# --- administration --------------------------------------------------------------------------------

ADMIN_DONE = {
    "department": "Đã tạo phòng ban.",
    "officer": "Đã tạo tài khoản cán bộ. Cán bộ sẽ phải đổi mật khẩu khi đăng nhập lần đầu.",
    "activated": "Đã kích hoạt tài khoản.",
    "deactivated": "Đã vô hiệu hoá tài khoản và đóng mọi phiên đăng nhập.",
    "password": "Đã đặt lại mật khẩu; các phiên đăng nhập của cán bộ đã bị đóng. "
    "Cán bộ sẽ phải đổi mật khẩu khi đăng nhập lần sau.",
    "unlocked": "Đã mở khoá tài khoản.",
}


async def _require_admin(request: web.Request) -> SignedIn:
    signed_in = await require_officer(request)
    if signed_in.officer.role != "admin":
        context = {
            "status": 403,
            "message": "Trang này chỉ dành cho quản trị hệ thống.",
            "signed_in": signed_in,
        }
        html = aiohttp_jinja2.render_string("officer/error.html", request, context)
        raise web.HTTPForbidden(text=html, content_type="text/html")
    return signed_in


async def _render_admin(
    request: web.Request, signed_in: SignedIn, *, error: str = "", status: int = 200, form: Any = None
) -> web.Response:
    app = app_services(request)
    departments = await run_blocking(app.accounts.list_departments)
    officers = await run_blocking(app.accounts.list_officers)
    context = {
        "signed_in": signed_in,
        "departments": departments,
        "officers": officers,
        "roles": {role: ROLE_LABELS[role] for role in ROLES},
        "error": error,
        "done": ADMIN_DONE.get(request.query.get("done", ""), ""),
        "form": form or {},
        "password_rules": app.password_policy.describe(),
        "now": datetime.now(VIETNAM),
    }
    return aiohttp_jinja2.render_template("officer/admin.html", request, context, status=status)


AUDIT_PAGE_LIMIT = 500


async def admin_audit(request: web.Request) -> web.Response:
    """Who looked at which dossier and downloaded which file (admins only), newest first."""
    signed_in = await _require_admin(request)
    query = request.query
    day = query.get("day", "")
    since = until = None
    try:
        if day:
            start = datetime.combine(date.fromisoformat(day), datetime.min.time(), VIETNAM)
            since, until = start, start + timedelta(days=1)
    except ValueError:
        day = ""
    filters = audit.AuditFilter(query.get("officer") or None, query.get("dossier") or None, since, until)
    entries = await run_blocking(app_services(request).audit_log.list, filters, AUDIT_PAGE_LIMIT)
    context = {
        "signed_in": signed_in,
        "entries": entries,
        "role_labels": ROLE_LABELS,
        "selected": {"officer": query.get("officer", ""), "dossier": query.get("dossier", ""), "day": day},
    }
    return aiohttp_jinja2.render_template("officer/audit.html", request, context)


async def admin_page(request: web.Request) -> web.Response:
    return await _render_admin(request, await _require_admin(request))


async def _admin_post(request: web.Request, change, done: str) -> web.Response:
    """Check the admin and the CSRF token, run `change(accounts, form)` in a thread, redirect or show why."""
    signed_in = await _require_admin(request)
    form = await request.post()
    if not csrf_ok(signed_in, form):
        return error_page(request, 403, "Yêu cầu không hợp lệ (thiếu mã bảo vệ CSRF).", signed_in)
    fields = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    try:
        result = await run_blocking(change, app_services(request).accounts, fields)
    except AccountError as refused:
        return await _render_admin(request, signed_in, error=str(refused), status=400, form=fields)
    raise web.HTTPFound(f"/officer/admin?done={result or done}")


async def admin_create_department(request: web.Request) -> web.Response:
    def change(accounts, form: dict[str, str]) -> None:
        accounts.create_department(form.get("code", ""), form.get("name", ""))

    return await _admin_post(request, change, "department")


async def admin_create_officer(request: web.Request) -> web.Response:
    def change(accounts, form: dict[str, str]) -> None:
        accounts.create_officer(
            form.get("username", ""),
            form.get("full_name", ""),
            form.get("role", ""),
            form.get("password", ""),
            department_code=form.get("department") or None,
            title=form.get("title", ""),
        )

    return await _admin_post(request, change, "officer")


async def admin_set_active(request: web.Request) -> web.Response:
    username = request.match_info["username"]

    def change(accounts, form: dict[str, str]) -> str:
        active = form.get("active") == "1"
        accounts.update_officer(username, is_active=active)
        return "activated" if active else "deactivated"

    return await _admin_post(request, change, "activated")


async def admin_reset_password(request: web.Request) -> web.Response:
    username = request.match_info["username"]

    def change(accounts, form: dict[str, str]) -> None:
        accounts.set_password(username, form.get("password", ""))

    return await _admin_post(request, change, "password")


async def admin_unlock(request: web.Request) -> web.Response:
    username = request.match_info["username"]

    def change(accounts, form: dict[str, str]) -> None:
        accounts.unlock_officer(username)

    return await _admin_post(request, change, "unlocked")


def add_officer_pages(app: web.Application) -> None:
    env = aiohttp_jinja2.get_env(app)
    env.filters["vn_datetime"] = vn_datetime
    env.filters["vn_date"] = vn_date
    router = app.router
    router.add_get("/officer", officer_home)
    router.add_get("/officer/", officer_home, name="officer_home")
    router.add_get("/officer/login", login_form, name="officer_login")
    router.add_post("/officer/login", login)
    router.add_post("/officer/logout", logout, name="officer_logout")
    add_password_pages(app)
    router.add_get("/officer/dossiers", inbox, name="officer_dossiers")
    router.add_get("/officer/dossiers/{code}", dossier_detail, name="officer_dossier")
    router.add_post("/officer/dossiers/{code}/actions", dossier_action, name="officer_dossier_action")
    router.add_get(
        "/officer/dossiers/{code}/attachments/{upload_id}", dossier_attachment, name="officer_attachment"
    )
    router.add_get(
        "/officer/dossiers/{code}/declaration.pdf", dossier_declaration, name="officer_declaration"
    )
    router.add_post("/officer/dossiers/{code}/delivery", dossier_delivery, name="officer_dossier_delivery")
    router.add_get("/officer/dossiers/{code}/result.pdf", dossier_result, name="officer_result")
    router.add_get("/officer/admin", admin_page, name="officer_admin")
    router.add_get("/officer/admin/audit", admin_audit, name="officer_audit")
    router.add_post("/officer/admin/departments", admin_create_department)
    router.add_post("/officer/admin/officers", admin_create_officer)
    router.add_post("/officer/admin/officers/{username}/active", admin_set_active)
    router.add_post("/officer/admin/officers/{username}/password", admin_reset_password)
    router.add_post("/officer/admin/officers/{username}/unlock", admin_unlock)
