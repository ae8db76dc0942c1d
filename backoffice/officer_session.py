"""Shared helpers of the officers' pages and API: the signed-in officer, CSRF checks, blocking calls,
cookies (Secure behind TLS), the client's address and the sign-in rate limit.

The app keys live in backoffice/app.py, which imports this package's route modules: they are looked up
lazily (at request time) to avoid a circular import."""

from __future__ import annotations

import asyncio
import functools
import math
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import web

from backoffice.app_keys import DELIVERY_KEY, SERVICES_KEY, SETTINGS_KEY, SIGN_IN_LIMITER_KEY
from bot.limits.rate import RateDecision
from bot.officers.authentication import WEB, SignedIn, check_csrf
from bot.services import Services
from bot.settings import PRODUCTION, Settings

SESSION_COOKIE = "dvc_officer"
LOGIN_CSRF_COOKIE = "dvc_login_csrf"
LOGIN_PATH = "/officer/login"
HOME_PATH = "/officer/dossiers"
PASSWORD_PATH = "/officer/password"
_SIGNED_IN = "officer_signed_in"

T = TypeVar("T")


def app_services(request: web.Request) -> Services:
    return request.app[SERVICES_KEY]


def app_settings(request: web.Request) -> Settings:
    return request.app[SETTINGS_KEY]


async def run_blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Database work and argon2 run in the default thread executor, never on the event loop."""
    call = functools.partial(function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(None, call)


def wake_delivery(request: web.Request) -> None:
    """After an action: push the citizen's notification now rather than at the next poll."""
    if DELIVERY_KEY in request.app:
        request.app[DELIVERY_KEY].wake()


def is_https(request: web.Request) -> bool:
    """Whether the browser reached us over TLS. X-Forwarded-Proto is only believed from a reverse proxy
    the settings say is there (DVC_TRUST_PROXY); in production cookies are always marked Secure."""
    settings = app_settings(request)
    if settings.profile == PRODUCTION or request.secure:
        return True
    if not settings.officers.trust_proxy:
        return False
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0]
    return forwarded.strip().lower() == "https"


def client_address(request: web.Request) -> str:
    """The client's IP address: the peer, or behind a trusted proxy the address that proxy appended last to
    X-Forwarded-For (earlier entries come from the client and can be anything)."""
    if app_settings(request).officers.trust_proxy:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.remote or "unknown"


def sign_in_rate(request: web.Request) -> RateDecision:
    """Count a sign-in attempt (login page and token endpoint together) for the client's address."""
    return request.app[SIGN_IN_LIMITER_KEY].hit(client_address(request))


def too_many_sign_ins(decision: RateDecision) -> str:
    seconds = decision.retry_after_seconds
    wait = f"{seconds} giây" if seconds < 60 else f"{math.ceil(seconds / 60)} phút"
    return f"Có quá nhiều lần đăng nhập từ địa chỉ này; vui lòng thử lại sau {wait}."


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str, **extra) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="Lax", path="/", secure=is_https(request) or None, **extra
    )


def safe_next(target: str | None) -> str:
    """Only a relative path on this site (never `//host` or a full URL) may be a redirect target."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return HOME_PATH
    if any(char in target for char in "\r\n\\") or not target.isprintable():
        return HOME_PATH
    return target


async def signed_in_officer(request: web.Request) -> SignedIn | None:
    """The web session of the request's cookie (looked up once per request)."""
    if _SIGNED_IN not in request:
        token = request.cookies.get(SESSION_COOKIE)
        request[_SIGNED_IN] = (
            await run_blocking(app_services(request).authenticator.session_for_token, token, WEB)
            if token
            else None
        )
    return request[_SIGNED_IN]


async def require_signed_in(request: web.Request) -> SignedIn:
    """The signed-in officer even while they must change their password (the change page, logout), or a
    redirect to the login page that comes back here afterwards."""
    signed_in = await signed_in_officer(request)
    if signed_in is None:
        raise web.HTTPFound(f"{LOGIN_PATH}?next={quote(request.path_qs, safe='')}")
    return signed_in


async def require_officer(request: web.Request) -> SignedIn:
    """The signed-in officer; one whose password someone else chose is sent to change it first."""
    signed_in = await require_signed_in(request)
    if signed_in.officer.must_change_password:
        raise web.HTTPFound(PASSWORD_PATH)
    return signed_in


def csrf_ok(signed_in: SignedIn, form: Any) -> bool:
    submitted = form.get("csrf_token") if form is not None else None
    return check_csrf(signed_in, submitted if isinstance(submitted, str) else None)


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def login_csrf_ok(request: web.Request, submitted: Any) -> bool:
    """Double-submit check of the pre-login token (cookie and hidden field must match)."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not isinstance(submitted, str) or not submitted:
        return False
    return secrets.compare_digest(expected.encode(), submitted.encode())
