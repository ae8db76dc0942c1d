"""Limits on the citizens' public routes of the back-office: uploads per client address."""

import asyncio
import dataclasses
import time

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


def test_a_request_body_that_trickles_in_gets_408_and_the_server_goes_on(blank_services):
    """A client sending its body a few bytes at a time holds no connection past the deadline (any route)."""
    limits = CitizenLimits(body_seconds=0.5)
    blank_services.settings = dataclasses.replace(blank_services.settings, citizen_limits=limits)

    async def trickle(client, path: str, content_type: str) -> tuple[str, float]:
        reader, writer = await asyncio.open_connection(client.host, client.port)
        started = time.monotonic()
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
            "Content-Length: 1000\r\n\r\n".encode()
        )
        try:
            for _ in range(40):  # 10 bytes every 0.1 s: 400 bytes in 4 s, far from 1,000
                writer.write(b"x" * 10)
                await writer.drain()
                await asyncio.sleep(0.1)
                if reader.at_eof() or reader._buffer:  # the server has answered
                    break
            status_line = (await asyncio.wait_for(reader.readline(), 5)).decode()
        finally:
            writer.close()
        return status_line, time.monotonic() - started

    async def scenario(client):
        answers = [
            await trickle(client, "/api/uploads", "multipart/form-data; boundary=b"),
            await trickle(client, "/officer/login", "application/x-www-form-urlencoded"),
            await trickle(client, "/api/auth/token", "application/json"),
        ]
        still_serving = await client.get("/healthz")
        return answers, still_serving.status

    answers, health = run_app(blank_services, scenario)
    for status_line, seconds in answers:
        assert status_line.startswith("HTTP/1.1 408"), status_line
        assert seconds < 2.5
    assert health == 200
