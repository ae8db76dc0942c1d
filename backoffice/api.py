"""The officers' JSON API: bearer tokens (POST /api/auth/token), dossiers and their actions, accounts.

No cookies are read here, so no CSRF check is needed: a request is authenticated by its
`Authorization: Bearer <token>` header only. The OpenAPI document is in backoffice/openapi.py."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

from aiohttp import web

from backoffice.api_models import (
    ActionRequest,
    Body,
    BodyError,
    DeliveryChange,
    NewDepartment,
    NewOfficer,
    PasswordChange,
    TokenRequest,
    parse,
)
from backoffice.officer_session import (
    app_services,
    run_blocking,
    sign_in_rate,
    too_many_sign_ins,
    wake_delivery,
)
from backoffice.openapi import openapi_document
from bot.dossiers import delivery
from bot.officers import audit
from bot.officers.accounts import ADMIN, DESK, AccountError, DepartmentView, OfficerView
from bot.officers.authentication import (
    API,
    AccountLockedError,
    InvalidCredentialsError,
    SignedIn,
    WrongCurrentPasswordError,
)
from bot.services import Services
from bot.workflow.permissions import WorkflowError, visibility
from bot.workflow.states import STATUS_LABELS, ActionRule
from bot.workflow.views import DepartmentRef, DossierFilter, DossierView, OfficerRef

ERROR_STATUS = {"invalid": 400, "forbidden": 403, "not_found": 404, "conflict": 409}
DEFAULT_LIMIT = 200
MAX_LIMIT = 500
_dumps = functools.partial(json.dumps, ensure_ascii=False)
NO_STORE = {"Cache-Control": "no-store"}


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps, headers={**NO_STORE, **(headers or {})})


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": message, **extra}
        self.headers = headers or {}


@web.middleware
async def api_errors(request: web.Request, handler):
    """ApiError raised by an /api/ handler becomes a JSON error response."""
    try:
        return await handler(request)
    except ApiError as error:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
        return reply(error.body, error.status, {**headers, **error.headers})


# --- serialisation ---------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def department_json(department: DepartmentRef | DepartmentView | None) -> dict[str, Any] | None:
    if department is None:
        return None
    return {"id": department.id, "code": department.code, "name": department.name}


def officer_ref_json(officer: OfficerRef | None) -> dict[str, Any] | None:
    if officer is None:
        return None
    return {
        "id": officer.id,
        "username": officer.username,
        "full_name": officer.full_name,
        "title": officer.title,
    }


def officer_json(officer: OfficerView) -> dict[str, Any]:
    return {
        "id": officer.id,
        "username": officer.username,
        "full_name": officer.full_name,
        "title": officer.title,
        "role": officer.role,
        "department_id": officer.department_id,
        "department_code": officer.department_code,
        "is_active": officer.is_active,
    }


def timing_json(view: DossierView) -> dict[str, Any]:
    timing = view.timing
    return {
        "due_date": timing.due_date.isoformat() if timing.due_date else None,
        "overdue": timing.is_late and not timing.finished,
        "late_working_days": timing.late_working_days,
        "remaining_working_days": timing.remaining_working_days,
        "paused": timing.paused,
        "finished": timing.finished,
    }


def dossier_summary(view: DossierView) -> dict[str, Any]:
    return {
        "code": view.code,
        "procedure_code": view.procedure_code,
        "procedure_name": view.procedure_name,
        "status": view.status,
        "status_label": view.status_label,
        "channel": view.channel,
        "applicant_name": view.applicant_name,
        "department": department_json(view.department),
        "officer": officer_ref_json(view.officer),
        "received_at": _iso(view.received_at),
        "due_at": _iso(view.due_at),
        "timing": timing_json(view),
    }


def action_json(rule: ActionRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "label": rule.label,
        "needs_department": rule.needs_department,
        "needs_officer": rule.needs_officer,
        "needs_note": bool(rule.needs_note),
        "note_hint": rule.needs_note,
    }


def dossier_detail(app: Services, view: DossierView, actor: OfficerView) -> dict[str, Any]:
    attachments = []
    for item in view.attachments:
        upload_id = str(item.get("upload_id", ""))
        stored = app.attachments.get(upload_id)
        attachments.append(
            {
                "upload_id": upload_id,
                "filename": item.get("filename") or (stored.filename if stored else ""),
                "content_type": stored.content_type if stored else None,
                "size": stored.size if stored else None,
            }
        )
    return {
        **dossier_summary(view),
        "supplement_request": view.supplement_request,
        "fee_amount": view.fee_amount,
        "fee_paid": view.fee_paid,
        "fee_receipt": view.fee_receipt,
        # Decree 13/2023: the consent notice the citizen agreed to and when (null when not recorded).
        "consent": {"version": view.consent_version, "given_at": _iso(view.consent_at)}
        if view.consent_at
        else None,
        "personal_data_erased_at": _iso(view.personal_data_erased_at),
        "result_delivery": delivery.chosen(view.answers),
        "delivery_address": view.answers.get(delivery.ADDRESS_FIELD, ""),
        "answers": view.answers,
        "attachments": attachments,
        "timeline": [
            {
                "at": _iso(entry.at),
                "action": entry.action,
                "action_label": entry.action_label,
                "status": entry.to_status,
                "status_label": entry.status_label,
                "officer_name": entry.officer_name,
                "department_name": entry.department_name,
                "note": entry.note,
            }
            for entry in view.timeline
        ],
        "allowed_actions": [action_json(rule) for rule in app.workflow.allowed(view, actor)],
    }


# --- authentication --------------------------------------------------------------------------------


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
        json.dumps(body, ensure_ascii=False).encode()  # a lone surrogate ("\ud800") is no text to store
    except (ValueError, RecursionError) as error:  # not JSON, not UTF-8, or nested too deep
        raise ApiError(400, "Nội dung yêu cầu không phải JSON hợp lệ.") from error
    if not isinstance(body, dict):
        raise ApiError(400, "Nội dung yêu cầu phải là một đối tượng JSON.")
    return body


async def body_of(request: web.Request, model: type[Body]) -> Body:
    """The request's JSON body validated by its model (backoffice/api_models.py), or a 400 saying why."""
    try:
        return parse(model, await json_body(request))
    except BodyError as error:
        raise ApiError(400, str(error), kind="invalid") from error


async def issue_token(request: web.Request) -> web.Response:
    body = await body_of(request, TokenRequest)
    username, password = body.username, body.password
    rate = sign_in_rate(request)
    if not rate.allowed:
        seconds = rate.retry_after_seconds
        raise ApiError(
            429,
            too_many_sign_ins(rate),
            kind="rate_limited",
            retry_after=seconds,
            headers={"Retry-After": str(seconds)},
        )
    authenticator = app_services(request).authenticator
    try:
        officer = await run_blocking(authenticator.authenticate, username, password)
    except AccountLockedError as locked:
        message = "Tài khoản tạm khóa do đăng nhập sai nhiều lần."
        raise ApiError(423, message, locked_until=locked.until.isoformat()) from locked
    except InvalidCredentialsError as refused:
        raise ApiError(401, "Tên đăng nhập hoặc mật khẩu không đúng.") from refused
    issued = await run_blocking(authenticator.open_session, officer.id, API)
    return reply(
        {
            "access_token": issued.token,
            "token_type": "bearer",
            "expires_at": _iso(issued.expires_at),
            "must_change_password": officer.must_change_password,
        }
    )


PASSWORD_CHANGE_REQUIRED = (
    "Mật khẩu của tài khoản này do người khác đặt: hãy đổi mật khẩu (POST /api/me/password) "
    "trước khi dùng API."
)


async def bearer(request: web.Request, *, allow_password_change: bool = False) -> SignedIn:
    """The API token's officer. While they must change their password, only POST /api/me/password
    (`allow_password_change`) accepts the token; everything else answers 403."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Cần mã truy cập (Authorization: Bearer <token>).")
    authenticator = app_services(request).authenticator
    signed_in = await run_blocking(authenticator.session_for_token, token.strip(), API)
    if signed_in is None:
        raise ApiError(401, "Mã truy cập không hợp lệ hoặc đã hết hạn.")
    if signed_in.officer.must_change_password and not allow_password_change:
        raise ApiError(403, PASSWORD_CHANGE_REQUIRED, kind="password_change_required")
    return signed_in


async def change_my_password(request: web.Request) -> web.Response:
    signed_in = await bearer(request, allow_password_change=True)
    body = await body_of(request, PasswordChange)
    current, new = body.current_password, body.new_password
    authenticator = app_services(request).authenticator
    try:
        await run_blocking(authenticator.change_password, signed_in.session_id, current, new)
    except WrongCurrentPasswordError as wrong:
        raise ApiError(400, str(wrong), kind="invalid") from wrong
    except AccountLockedError as locked:  # the token used has been revoked
        message = (
            "Nhập sai mật khẩu hiện tại quá nhiều lần: tài khoản tạm khóa, mã truy cập này đã bị thu hồi."
        )
        raise ApiError(423, message, locked_until=locked.until.isoformat()) from locked
    except AccountError as refused:
        raise ApiError(400, str(refused), kind="invalid") from refused
    message = "Đã đổi mật khẩu; các phiên đăng nhập và mã truy cập khác đã bị thu hồi."
    return reply({"changed": True, "message": message})


async def admin(request: web.Request) -> SignedIn:
    signed_in = await bearer(request)
    if signed_in.officer.role != ADMIN:
        raise ApiError(403, "Chỉ quản trị hệ thống được thực hiện thao tác này.")
    return signed_in


async def me(request: web.Request) -> web.Response:
    signed_in = await bearer(request)
    officer = signed_in.officer
    body = {
        **officer_json(officer),
        "role_label": officer.role_label,
        "department_name": officer.department_name,
        "expires_at": _iso(signed_in.expires_at),
    }
    return reply(body)


# --- dossiers --------------------------------------------------------------------------------------


def _department_id(app: Services, reference: str) -> int:
    reference = reference.strip()
    for department in app.accounts.list_departments():
        if str(department.id) == reference or department.code == reference.upper():
            return department.id
    raise ApiError(400, f"Không có phòng ban «{reference}».")


def _dossier_filter(app: Services, query, officer: OfficerView) -> tuple[DossierFilter, int]:
    status = query.get("status") or None
    if status is not None and status not in STATUS_LABELS:
        raise ApiError(400, f"Trạng thái không hợp lệ; chọn một trong: {', '.join(STATUS_LABELS)}.")
    overdue_text = (query.get("overdue") or "").lower()
    if overdue_text not in ("", "true", "false"):
        raise ApiError(400, "Tham số overdue phải là true hoặc false.")
    raw_limit = query.get("limit") or str(DEFAULT_LIMIT)
    if not (raw_limit.isascii() and raw_limit.isdigit()) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise ApiError(400, f"Tham số limit phải là số nguyên từ 1 đến {MAX_LIMIT}.")
    department = query.get("department")
    filters = DossierFilter(
        status=status,
        procedure_code=query.get("procedure") or None,
        department_id=_department_id(app, department) if department else None,
        overdue=None if not overdue_text else overdue_text == "true",
        visible=visibility(officer),
    )
    return filters, int(raw_limit)


def _list_dossiers(app: Services, query, officer: OfficerView) -> dict[str, Any]:
    filters, limit = _dossier_filter(app, query, officer)
    items = [dossier_summary(view) for view in app.workflow.list(filters, limit)]
    return {"items": items, "count": len(items)}


async def list_dossiers(request: web.Request) -> web.Response:
    signed_in = await bearer(request)
    app = app_services(request)
    return reply(await run_blocking(_list_dossiers, app, request.query, signed_in.officer))


def api_refusal(error: WorkflowError) -> ApiError:
    return ApiError(ERROR_STATUS.get(error.kind, 400), str(error), kind=error.kind)


def open_dossier(
    app: Services, code: str, officer: OfficerView, purpose: str, detail: str = ""
) -> DossierView:
    """The dossier if `officer` may see it (the read is audited), else the API error that says why."""
    try:
        return app.workflow.open_for(code, officer, purpose, detail)
    except WorkflowError as error:
        raise api_refusal(error) from error


def _detail(app: Services, code: str, actor: OfficerView) -> dict[str, Any]:
    return dossier_detail(app, open_dossier(app, code, actor, audit.VIEW), actor)


async def get_dossier(request: web.Request) -> web.Response:
    signed_in = await bearer(request)
    app = app_services(request)
    return reply(await run_blocking(_detail, app, request.match_info["code"], signed_in.officer))


def _perform(app: Services, code: str, actor: OfficerView, body: ActionRequest) -> dict[str, Any]:
    try:
        view = app.workflow.perform(
            code,
            body.action,
            actor,
            department=body.department,
            officer=body.officer,
            note=body.note or "",
        )
    except WorkflowError as error:
        raise api_refusal(error) from error
    return dossier_detail(app, view, actor)


async def perform_action(request: web.Request) -> web.Response:
    signed_in = await bearer(request)
    body = await body_of(request, ActionRequest)
    app = app_services(request)
    result = await run_blocking(_perform, app, request.match_info["code"], signed_in.officer, body)
    wake_delivery(request)
    return reply(result)


def _change_delivery(app: Services, code: str, actor: OfficerView, body: DeliveryChange) -> dict[str, Any]:
    try:
        view = app.workflow.change_delivery(code, actor, body.delivery, body.address or "")
    except WorkflowError as error:
        raise api_refusal(error) from error
    return dossier_detail(app, view, actor)


async def change_delivery(request: web.Request) -> web.Response:
    signed_in = await bearer(request)
    body = await body_of(request, DeliveryChange)
    app = app_services(request)
    result = await run_blocking(_change_delivery, app, request.match_info["code"], signed_in.officer, body)
    wake_delivery(request)
    return reply(result)


async def upload_result(request: web.Request) -> web.Response:
    """PUT the result file (PDF, signed) of a dossier to be delivered online; then mark_result_ready."""
    signed_in = await bearer(request)
    code = request.match_info["code"]
    app = app_services(request)
    if signed_in.officer.role not in (DESK, ADMIN):
        raise ApiError(403, "Chỉ Bộ phận Một cửa tải lên kết quả.", kind="forbidden")
    await run_blocking(open_dossier, app, code, signed_in.officer, audit.RESULT_UPLOAD)
    content = await request.read()
    try:
        await run_blocking(app.result_files.save, code, content)
    except ValueError as refused:
        raise ApiError(400, str(refused)) from refused
    return reply({"code": code, "result_file": True, "bytes": len(content)})


# --- departments and officers ----------------------------------------------------------------------


async def list_departments(request: web.Request) -> web.Response:
    await bearer(request)
    departments = await run_blocking(app_services(request).accounts.list_departments)
    return reply([{**department_json(d), "officer_count": d.officer_count} for d in departments])


def _list_officers(app: Services, department: str | None) -> list[dict[str, Any]]:
    code = None
    if department:
        department_id = _department_id(app, department)
        code = next(d.code for d in app.accounts.list_departments() if d.id == department_id)
    return [officer_json(officer) for officer in app.accounts.list_officers(code)]


async def list_officers(request: web.Request) -> web.Response:
    await bearer(request)
    department = request.query.get("department")
    return reply(await run_blocking(_list_officers, app_services(request), department))


async def create_department(request: web.Request) -> web.Response:
    await admin(request)
    body = await body_of(request, NewDepartment)
    code, name = body.code, body.name
    try:
        department = await run_blocking(app_services(request).accounts.create_department, code, name)
    except AccountError as refused:
        raise ApiError(400, str(refused)) from refused
    return reply(department_json(department), 201)


async def create_officer(request: web.Request) -> web.Response:
    await admin(request)
    body = await body_of(request, NewOfficer)
    department = body.department
    try:
        officer = await run_blocking(
            app_services(request).accounts.create_officer,
            body.username,
            body.full_name,
            body.role,
            body.password,
            department_code=str(department) if department not in (None, "") else None,
            title=body.title or "",
        )
    except AccountError as refused:
        raise ApiError(400, str(refused)) from refused
    return reply(officer_json(officer), 201)


def _audit_filter(query) -> tuple[audit.AuditFilter, int]:
    raw_limit = query.get("limit") or str(DEFAULT_LIMIT)
    if not (raw_limit.isascii() and raw_limit.isdigit()) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise ApiError(400, f"Tham số limit phải là số nguyên từ 1 đến {MAX_LIMIT}.")
    moments = {}
    for key in ("since", "until"):
        raw = query.get(key)
        try:
            moments[key] = datetime.fromisoformat(raw) if raw else None
        except ValueError as error:
            raise ApiError(400, f"Tham số {key} phải là thời điểm ISO 8601.") from error
        if moments[key] is not None and moments[key].tzinfo is None:
            raise ApiError(400, f"Tham số {key} phải có múi giờ (ví dụ 2026-12-01T00:00:00+07:00).")
    filters = audit.AuditFilter(
        username=query.get("officer") or None,
        dossier_code=query.get("dossier") or None,
        since=moments["since"],
        until=moments["until"],
    )
    return filters, int(raw_limit)


def audit_json(item: audit.AuditView) -> dict[str, Any]:
    return {
        "at": _iso(item.at),
        "officer": item.username,
        "role": item.role,
        "action": item.action,
        "action_label": item.action_label,
        "dossier": item.dossier_code,
        "detail": item.detail,
        "allowed": item.allowed,
    }


async def list_audit(request: web.Request) -> web.Response:
    """Admins only: who looked at which dossier and downloaded which file, newest first."""
    await admin(request)
    filters, limit = _audit_filter(request.query)
    items = await run_blocking(app_services(request).audit_log.list, filters, limit)
    return reply({"items": [audit_json(item) for item in items], "count": len(items)})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document(), dumps=_dumps)


def add_api_routes(app: web.Application) -> None:
    app.middlewares.append(api_errors)
    router = app.router
    router.add_post("/api/auth/token", issue_token, name="api_token")
    router.add_get("/api/me", me, name="api_me", allow_head=False)
    router.add_post("/api/me/password", change_my_password, name="api_me_password")
    router.add_get("/api/dossiers", list_dossiers, name="api_dossiers", allow_head=False)
    router.add_get("/api/dossiers/{code}", get_dossier, name="api_dossier", allow_head=False)
    router.add_post("/api/dossiers/{code}/actions", perform_action, name="api_dossier_action")
    router.add_post("/api/dossiers/{code}/delivery", change_delivery, name="api_dossier_delivery")
    router.add_put("/api/dossiers/{code}/result", upload_result, name="api_dossier_result")
    router.add_get("/api/departments", list_departments, name="api_departments", allow_head=False)
    router.add_post("/api/departments", create_department)
    router.add_get("/api/officers", list_officers, name="api_officers", allow_head=False)
    router.add_post("/api/officers", create_officer)
    router.add_get("/api/audit", list_audit, name="api_audit", allow_head=False)
    router.add_get("/api/openapi.json", openapi, name="api_openapi", allow_head=False)
