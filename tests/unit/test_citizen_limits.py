"""Limits on the citizens' public routes of the back-office: uploads per client address."""

import dataclasses

from aiohttp import FormData

from bot.settings import CitizenLimits
from tests.unit.conftest import run_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def form() -> FormData:
    data = FormData()
    data.add_field("file", PNG, filename="giay-to.png", content_type="image/png")
    return data


def test_uploads_per_address_are_limited_with_a_polite_429(blank_services):
    limits = CitizenLimits(uploads=2, upload_window_seconds=600)
    blank_services.settings = dataclasses.replace(blank_services.settings, citizen_limits=limits)

    async def scenario(client):
        answers = [await client.post("/api/uploads", data=form()) for _ in range(3)]
        refused = answers[-1]
        return [a.status for a in answers], await refused.json(), refused.headers

    statuses, body, headers = run_app(blank_services, scenario)
    assert statuses == [201, 201, 429]
    assert body["kind"] == "rate_limited" and body["error"].startswith("Dạ, anh/chị gửi nhiều tệp quá nhanh")
    assert 0 < int(headers["Retry-After"]) <= 600
    assert headers["Access-Control-Allow-Origin"] == "*"  # the widget on the commune's site can read it
