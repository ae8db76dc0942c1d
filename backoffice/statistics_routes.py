"""Public JSON of the commune's dossier statistics, and the embeddable card script that shows it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot.statistics.dossier_statistics import MAX_MONTHS, Statistics

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
DEFAULT_MONTHS = 12
PUBLIC_HEADERS = {"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"}
ERROR_HEADERS = {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}


def _months(raw: str | None) -> int | None:
    """The `months` query parameter: a whole number from 1 to 36 (12 when absent), None when invalid."""
    if raw is None:
        return DEFAULT_MONTHS
    if not (raw.isascii() and raw.isdigit()):
        return None
    months = int(raw)
    return months if 1 <= months <= MAX_MONTHS else None


def add_statistics_routes(app: web.Application, get_statistics: Callable[[int], Statistics]) -> None:
    """Register GET /api/statistics[?months=1..36] and the static files under /static/backoffice/.

    `get_statistics(months)` runs in the default thread executor (it queries the database)."""

    async def statistics(request: web.Request) -> web.Response:
        months = _months(request.query.get("months"))
        if months is None:
            error = f"Tham số months phải là số nguyên từ 1 đến {MAX_MONTHS}."
            return web.json_response({"error": error}, status=400, headers=ERROR_HEADERS)
        try:
            result = await asyncio.get_running_loop().run_in_executor(None, get_statistics, months)
        except Exception:
            logger.exception("dossier statistics failed")
            error = "Chưa tải được số liệu thống kê."
            return web.json_response({"error": error}, status=503, headers=ERROR_HEADERS)
        return web.json_response(result.to_dict(), headers=PUBLIC_HEADERS)

    app.router.add_get("/api/statistics", statistics, name="statistics")
    app.router.add_static("/static/backoffice/", STATIC, name="backoffice_static")
