"""The analytics page (officers with the analytics role, and admins): figures per day, week or month, charts
drawn on the server, CSV export, and unanswered questions turned into citizen wordings of a procedure
(proposed by one officer, approved by another; the search takes them without a retrain). And citizens'
negative feedback with its conversation. Thin routes over bot/analytics and bot/feedback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from backoffice.officer_session import app_services, csrf_ok, require_officer, run_blocking
from bot.analytics.charts import bar_chart
from bot.analytics.export import SECTIONS, csv_text
from bot.analytics.periods import DAY, GRANULARITIES, LABELS
from bot.analytics.report import Report
from bot.analytics.wordings import WordingError
from bot.feedback.models import SUBJECTS
from bot.handover.desk import PERSONAL_DATA_ROLES
from bot.officers.accounts import ADMIN, ANALYTICS, CHAIRMAN, DESK
from bot.officers.authentication import SignedIn
from bot.text.masking import mask_personal
from bot.workflow.clock import vietnam_time

ANALYTICS_PATH = "/officer/analytics"
FEEDBACK_PATH = "/officer/feedback"
ANALYTICS_ROLES = frozenset({ANALYTICS, ADMIN})
# Who reads citizens' complaints: the analytics officers, the one-stop desk that answers citizens, the
# chairman and admins. Personal data in them is masked unless the role handles it (PERSONAL_DATA_ROLES).
FEEDBACK_ROLES = frozenset({ANALYTICS, ADMIN, DESK, CHAIRMAN})
HISTORY_LINES = 40
NOT_FOR_YOU = "Trang này không thuộc quyền của tài khoản anh/chị."
SUBJECT_LABELS = {"answer": "Câu trả lời", "dossier": "Hồ sơ đã trả", "handover": "Trò chuyện với cán bộ"}


async def _require(request: web.Request, roles: frozenset[str]) -> SignedIn:
    signed_in = await require_officer(request)
    if signed_in.officer.role not in roles:
        context = {"status": 403, "message": NOT_FOR_YOU, "signed_in": signed_in}
        page = aiohttp_jinja2.render_string("officer/error.html", request, context)
        raise web.HTTPForbidden(text=page, content_type="text/html")
    return signed_in


def _granularity(chosen: object) -> str:
    return chosen if isinstance(chosen, str) and chosen in GRANULARITIES else DAY


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _charts(report: Report) -> list[tuple[str, str]]:
    labels = [row.label for row in report.rows]
    series = [
        ("Cuộc trò chuyện", [row.conversations for row in report.rows], False),
        ("Tỷ lệ tin nhắn trợ lý hiểu được", [row.understood_rate for row in report.rows], True),
        ("Yêu cầu gặp cán bộ", [row.handovers for row in report.rows], False),
        ("Mức độ hài lòng", [row.satisfaction for row in report.rows], True),
    ]
    return [(title, bar_chart(title, labels, values, percent)) for title, values, percent in series]


async def analytics_page(request: web.Request) -> web.Response:
    signed_in = await _require(request, ANALYTICS_ROLES)
    done = request.query.get("done", "")
    return await _render(request, signed_in, _granularity(request.query.get("by")), done=done)


async def _render(
    request: web.Request,
    signed_in: SignedIn,
    granularity: str,
    done: str = "",
    error: str = "",
    status: int = 200,
) -> web.Response:
    app = app_services(request)
    report = await run_blocking(app.analytics.report, granularity)
    pending = await run_blocking(app.wordings.pending)
    approved = await run_blocking(app.wordings.approved)
    context = {
        "signed_in": signed_in,
        "report": report,
        "by": granularity,
        "granularities": [(key, LABELS[key]) for key in GRANULARITIES],
        "charts": _charts(report),
        "percent": _percent,
        "sections": list(SECTIONS),
        "pending": pending,
        "approved": approved[:20],
        "me": signed_in.officer.id,
        "is_admin": signed_in.officer.role == ADMIN,
        "done": done,
        "error": error,
        "generated": vietnam_time(report.generated_at).strftime("%H:%M %d/%m/%Y"),
    }
    return aiohttp_jinja2.render_template("officer/analytics.html", request, context, status=status)


async def analytics_csv(request: web.Request) -> web.Response:
    await _require(request, ANALYTICS_ROLES)
    section = request.query.get("section", "periods")
    if section not in SECTIONS:
        raise web.HTTPBadRequest(text=f"section must be one of {', '.join(SECTIONS)}")
    granularity = _granularity(request.query.get("by"))
    report = await run_blocking(app_services(request).analytics.report, granularity, section == "questions")
    filename = f"tro-ly-dvc-{section}-{granularity}-{report.generated_at:%Y%m%d}.csv"
    return web.Response(
        text=csv_text(report, section),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


async def _wording_step(
    request: web.Request, step: Callable[[SignedIn, Any], Any], done: str
) -> web.Response:
    """A proposal or a review from the page's forms; back to the page with what happened."""
    signed_in = await _require(request, ANALYTICS_ROLES)
    form = await request.post()
    granularity = _granularity(form.get("by"))
    if not csrf_ok(signed_in, form):
        raise web.HTTPForbidden(text="Yêu cầu không hợp lệ (thiếu mã bảo vệ CSRF).")
    try:
        await run_blocking(step, signed_in, form)
    except WordingError as refused:  # the page again, with why (never a message carried in the URL)
        return await _render(request, signed_in, granularity, error=str(refused), status=409)
    raise web.HTTPFound(f"{ANALYTICS_PATH}?by={granularity}&done={done}#wordings")


def _wording_id(request: web.Request) -> int:
    try:
        return int(request.match_info["wording_id"])
    except ValueError:
        raise web.HTTPNotFound() from None


async def propose_wording(request: web.Request) -> web.Response:
    wordings = app_services(request).wordings

    def propose(signed_in: SignedIn, form: Any) -> None:
        code = str(form.get("procedure_code") or "").strip()
        wordings.propose(signed_in.officer.id, str(form.get("wording") or ""), code)

    return await _wording_step(request, propose, "proposed")


async def approve_wording(request: web.Request) -> web.Response:
    wording_id, wordings = _wording_id(request), app_services(request).wordings

    def approve(signed_in: SignedIn, form: Any) -> None:
        wordings.approve(wording_id, signed_in.officer.id, signed_in.officer.role == ADMIN)

    return await _wording_step(request, approve, "approved")


async def reject_wording(request: web.Request) -> web.Response:
    wording_id, wordings = _wording_id(request), app_services(request).wordings

    def reject(signed_in: SignedIn, form: Any) -> None:
        wordings.reject(wording_id, signed_in.officer.id, signed_in.officer.role == ADMIN)

    return await _wording_step(request, reject, "rejected")


def _visible(signed_in: SignedIn, text: str) -> str:
    return text if signed_in.officer.role in PERSONAL_DATA_ROLES else mask_personal(text)


async def feedback_list(request: web.Request) -> web.Response:
    signed_in = await _require(request, FEEDBACK_ROLES)
    entries = await run_blocking(app_services(request).feedback.negative)
    rows = [
        {
            "id": entry.id,
            "subject": SUBJECT_LABELS.get(entry.subject, entry.subject),
            "reference": entry.reference,
            "comment": _visible(signed_in, entry.comment),
            "at": vietnam_time(entry.updated_at).strftime("%H:%M %d/%m/%Y"),
            "channel": entry.channel,
        }
        for entry in entries
    ]
    context = {"signed_in": signed_in, "rows": rows}
    return aiohttp_jinja2.render_template("officer/feedback_list.html", request, context)


def _feedback_data(request: web.Request, signed_in: SignedIn, feedback_id: int) -> dict[str, Any] | None:
    app = app_services(request)
    entry = app.feedback.get(feedback_id)
    if entry is None or entry.subject not in SUBJECTS:
        return None
    history = app.conversations.recent_lines(entry.sender_id, HISTORY_LINES, until=entry.updated_at)
    return {
        "entry": entry,
        "subject": SUBJECT_LABELS.get(entry.subject, entry.subject),
        "comment": _visible(signed_in, entry.comment),
        "at": vietnam_time(entry.updated_at).strftime("%H:%M %d/%m/%Y"),
        "history": [(line.author, _visible(signed_in, line.text), vietnam_time(line.at)) for line in history],
    }


async def feedback_detail(request: web.Request) -> web.Response:
    signed_in = await _require(request, FEEDBACK_ROLES)
    try:
        feedback_id = int(request.match_info["feedback_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    data = await run_blocking(_feedback_data, request, signed_in, feedback_id)
    if data is None:
        raise web.HTTPNotFound()
    return aiohttp_jinja2.render_template(
        "officer/feedback_detail.html", request, {"signed_in": signed_in, **data}
    )


def add_analytics_pages(app: web.Application) -> None:
    router = app.router
    router.add_get(ANALYTICS_PATH, analytics_page, name="officer_analytics")
    router.add_get(ANALYTICS_PATH + "/export.csv", analytics_csv, name="officer_analytics_csv")
    router.add_post(ANALYTICS_PATH + "/wordings", propose_wording, name="officer_wording_propose")
    router.add_post(ANALYTICS_PATH + "/wordings/{wording_id}/approve", approve_wording)
    router.add_post(ANALYTICS_PATH + "/wordings/{wording_id}/reject", reject_wording)
    router.add_get(FEEDBACK_PATH, feedback_list, name="officer_feedback")
    router.add_get(FEEDBACK_PATH + "/{feedback_id}", feedback_detail, name="officer_feedback_detail")
