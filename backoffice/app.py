"""aiohttp application factory for the back-office (port 8080 by default)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import ClientSession, ClientTimeout, web
from sqlalchemy import text

from bot.db.session import session_factory
from bot.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
WEBCHAT_STATIC = PROJECT_ROOT / "connectors" / "webchat" / "static"
SETTINGS_KEY = web.AppKey("settings", Settings)


@aiohttp_jinja2.template("demo.html")
async def demo_page(request: web.Request) -> dict[str, str]:
    settings = request.app[SETTINGS_KEY]
    return {
        "commune_name": settings.commune_name,
        "rasa_url": settings.rasa_public_url,
        "widget_url": str(request.app.router["webchat"].url_for(filename="widget.js")),
    }


def _database_ok(database_url: str) -> bool:
    try:
        with session_factory(database_url)() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:
        logger.exception("database health check failed")
        return False


async def _rasa_ok(rasa_url: str) -> bool:
    try:
        async with (
            ClientSession(timeout=ClientTimeout(total=3)) as client,
            client.get(f"{rasa_url}/") as response,
        ):
            return response.status == 200
    except (OSError, asyncio.TimeoutError):
        return False


async def health(request: web.Request) -> web.Response:
    """For the commune's IT staff and monitoring: 200 when the database answers, 503 otherwise."""
    settings = request.app[SETTINGS_KEY]
    database_ok = await asyncio.get_running_loop().run_in_executor(None, _database_ok, settings.database_url)
    body = {
        "status": "ok" if database_ok else "degraded",
        "database": "ok" if database_ok else "unavailable",
        "rasa": "ok" if await _rasa_ok(settings.rasa_internal_url) else "unavailable",
    }
    return web.json_response(body, status=200 if database_ok else 503)


@web.middleware
async def security_headers(request: web.Request, handler):
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[security_headers])
    app[SETTINGS_KEY] = settings
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    app.router.add_get("/", demo_page, name="demo")
    app.router.add_get("/healthz", health, name="health")
    app.router.add_static("/static/webchat/", WEBCHAT_STATIC, name="webchat")
    return app
