"""GET /api/statistics (public JSON, cache and CORS headers, `months` validation) and the card script."""

import asyncio
import json
from datetime import datetime, timezone

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from backoffice.statistics_routes import STATIC, add_statistics_routes
from bot.statistics import MonthFigures, Statistics

CARD_SCRIPT = STATIC / "stats-card.js"


def sample_statistics(months: int) -> Statistics:
    figures = tuple(
        MonthFigures(f"2026-{month:02d}", 10, 8, 7, 1, 12.5, 3, 1) for month in range(13 - months, 13)
    )
    totals = MonthFigures("total", 10 * months, 8 * months, 7 * months, months, 12.5, 3, 1)
    generated_at = datetime(2026, 12, 20, 3, 0, tzinfo=timezone.utc)
    return Statistics(generated_at=generated_at, months=figures, totals=totals, commune="Xã Tân Phú")


def request(path: str, get_statistics=sample_statistics):
    """Start the app on a test server, GET `path`, return (status, headers, body as text, calls)."""
    calls = []

    def recording(months: int) -> Statistics:
        calls.append(months)
        return get_statistics(months)

    async def run():
        app = web.Application()
        add_statistics_routes(app, recording)
        async with TestClient(TestServer(app)) as client:
            response = await client.get(path)
            return response.status, response.headers, await response.text()

    status, headers, body = asyncio.run(run())
    return status, headers, body, calls


def test_statistics_json_with_cache_and_cors_headers():
    status, headers, body, calls = request("/api/statistics")
    assert status == 200
    assert calls == [12]
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Cache-Control"] == "public, max-age=60"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(body) == sample_statistics(12).to_dict()
    parsed = json.loads(body)
    assert parsed["generated_at"] == "2026-12-20T10:00:00+07:00"
    assert parsed["commune"] == "Xã Tân Phú"
    assert parsed["totals"]["month"] == "total"
    assert len(parsed["months"]) == 12
    assert parsed["months"][-1]["late_rate"] == 12.5


@pytest.mark.parametrize("months", [1, 3, 36])
def test_months_query_is_passed_on(months):
    status, _, body, calls = request(f"/api/statistics?months={months}")
    assert status == 200
    assert calls == [months]
    assert body.count('"month"') == months + 1  # the months and the totals


@pytest.mark.parametrize("months", ["0", "37", "-1", "abc", "1.5", "", " 3", "٣"])
def test_bad_months_are_refused_with_a_json_error(months):
    status, headers, body, calls = request(f"/api/statistics?months={months}")
    assert status == 400
    assert calls == []
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "months" in json.loads(body)["error"]


def test_failure_to_compute_is_a_json_error_not_a_crash():
    def broken(months: int) -> Statistics:
        raise RuntimeError("database unavailable")

    status, headers, body, _ = request("/api/statistics", broken)
    assert status == 503
    assert headers["Cache-Control"] == "no-store"
    assert "error" in body


def test_card_script_is_served_as_javascript():
    status, headers, body, _ = request("/static/backoffice/stats-card.js")
    assert status == 200
    assert "javascript" in headers["Content-Type"]
    assert body == CARD_SCRIPT.read_text(encoding="utf-8")


def test_route_names():
    app = web.Application()
    add_statistics_routes(app, sample_statistics)
    assert str(app.router["statistics"].url_for()) == "/api/statistics"
    url = app.router["backoffice_static"].url_for(filename="stats-card.js")
    assert str(url) == "/static/backoffice/stats-card.js"


def test_card_script_writes_data_as_text_only():
    script = CARD_SCRIPT.read_text(encoding="utf-8")
    for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert unsafe not in script
    for required in (
        "Tình hình giải quyết hồ sơ",
        "Đã giải quyết",
        "Đúng hạn",
        "Trễ hạn",
        "Tỉ lệ trễ hạn",
        "Chưa tải được số liệu thống kê.",
        "caption",
        "scope",
        "dvc-stats-",
    ):
        assert required in script
    assert "http://" not in script and "https://" not in script  # no CDN
