"""The officer's own password change (GET/POST /officer/password).

It is the only page open to an officer whose password someone else chose (demo seed, an admin creating the
account or resetting it): every other officer page redirects here until the change is made."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from backoffice.officer_session import (
    PASSWORD_PATH,
    SESSION_COOKIE,
    app_services,
    csrf_ok,
    require_signed_in,
    run_blocking,
    safe_next,
)
from bot.officers.accounts import AccountError
from bot.officers.authentication import AccountLockedError, SignedIn, WrongCurrentPasswordError
from bot.workflow.clock import VIETNAM


def _page(
    request: web.Request,
    signed_in: SignedIn,
    next_url: str,
    *,
    error: str = "",
    status: int = 200,
    done: bool = False,
) -> web.Response:
    policy = app_services(request).password_policy
    context = {
        "signed_in": signed_in,
        "forced": signed_in.officer.must_change_password,
        "next": next_url,
        "error": error,
        "done": done,
        "rules": policy.describe(),
        "min_length": policy.min_length,
    }
    response = aiohttp_jinja2.render_template("officer/password.html", request, context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def password_form(request: web.Request) -> web.Response:
    signed_in = await require_signed_in(request)
    next_url = safe_next(request.query.get("next"))
    return _page(request, signed_in, next_url, done=request.query.get("done") == "1")


async def change_password(request: web.Request) -> web.Response:
    signed_in = await require_signed_in(request)
    form = await request.post()
    next_url = safe_next(form.get("next") if isinstance(form.get("next"), str) else None)
    if not csrf_ok(signed_in, form):
        return _page(
            request, signed_in, next_url, error="Yêu cầu không hợp lệ (thiếu mã bảo vệ CSRF).", status=403
        )
    current, new, again = (
        str(form.get(name, "")) for name in ("current_password", "new_password", "confirm_password")
    )
    if new != again:
        return _page(request, signed_in, next_url, error="Hai lần nhập mật khẩu mới không khớp.", status=400)
    authenticator = app_services(request).authenticator
    try:
        await run_blocking(authenticator.change_password, signed_in.session_id, current, new)
    except WrongCurrentPasswordError as wrong:
        return _page(request, signed_in, next_url, error=str(wrong), status=400)
    except AccountLockedError as locked:  # too many wrong current passwords: this session has been ended
        until = locked.until.astimezone(VIETNAM).strftime("%H:%M")
        message = (
            f"Nhập sai mật khẩu hiện tại quá nhiều lần: tài khoản tạm khóa đến {until} "
            "và phiên đăng nhập này đã kết thúc."
        )
        context = {"status": 423, "message": message, "signed_in": None}
        response = aiohttp_jinja2.render_template("officer/error.html", request, context, status=423)
        response.del_cookie(SESSION_COOKIE, path="/")
        return response
    except AccountError as refused:
        return _page(request, signed_in, next_url, error=str(refused), status=400)
    raise web.HTTPFound(f"{PASSWORD_PATH}?done=1&next={quote(next_url, safe='')}")


def add_password_pages(app: web.Application) -> None:
    app.router.add_get(PASSWORD_PATH, password_form, name="officer_password")
    app.router.add_post(PASSWORD_PATH, change_password)
