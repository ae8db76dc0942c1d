"""/readyz and /metrics of the back-office, for the commune's IT staff and their monitoring."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from backoffice.app import create_app
from tests.unit.conftest import run_app


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_the_dossiers_by_status_and_the_waiting_notifications(app_services):
    views = app_services.workflow.list(limit=1000)
    expected = Counter(view.status for view in views)
    assert len(expected) >= 3  # the demo commune has dossiers at several steps

    async def scenario(client):
        answer = await client.get("/metrics")
        return answer.status, answer.headers["Content-Type"], await answer.text()

    status, content_type, body = run_app(app_services, scenario)
    assert status == 200 and content_type.startswith("text/plain")
    found = samples(body)
    for state, count in expected.items():
        assert found[("dvc_dossiers", (("status", state),))] == count
    assert sum(value for (name, _), value in found.items() if name == "dvc_dossiers") == len(views)
    assert found[("dvc_notifications_waiting", ())] == app_services.outbox.waiting()
    assert ("dvc_turns_total", ()) in found and ("dvc_fallbacks_total", ()) in found


def test_readyz_names_what_is_not_reachable(blank_services):
    async def scenario(client):
        not_ready = await client.get("/readyz")
        return not_ready.status, await not_ready.json()

    blank_services.settings = dataclasses.replace(
        blank_services.settings,
        rasa_internal_url="http://127.0.0.1:9",
        action_server_url="http://127.0.0.1:9/webhook",
    )
    status, body = run_app(blank_services, scenario)
    assert status == 503
    assert body == {
        "database": "ok",
        "rasa": "unavailable",
        "action_server": "unavailable",
        "status": "not ready",
    }


def test_readyz_is_ready_when_everything_answers(blank_services):
    async def main():
        peer = web.Application()
        peer.router.add_get("/", lambda request: web.json_response({"version": "3.6"}))
        peer.router.add_get("/health", lambda request: web.json_response({"status": "ok"}))
        async with TestServer(peer) as server:
            url = f"http://127.0.0.1:{server.port}"
            blank_services.settings = dataclasses.replace(
                blank_services.settings, rasa_internal_url=url, action_server_url=f"{url}/webhook"
            )

            async def scenario(client):
                answer = await client.get("/readyz")
                return answer.status, await answer.json()

            app = create_app(blank_services.settings, blank_services, deliver_notifications=False)
            async with TestClient(TestServer(app)) as client:
                return await scenario(client)

    status, body = asyncio.run(main())
    assert (status, body["status"]) == (200, "ready")
