"""For the commune's IT staff and their monitoring: `/readyz` (can this back-office serve: database, Rasa
and the action server reachable) and `/metrics` (Prometheus text format). `/healthz` (liveness and the
channels' detail) stays in app.py."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import ClientSession, ClientTimeout, web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import text

from backoffice.app_keys import DELIVERY_KEY, SERVICES_KEY, SETTINGS_KEY
from bot.db.session import session_factory
from bot.monitoring import OperationsSnapshot, operations_snapshot

logger = logging.getLogger(__name__)


def database_answers(database_url: str) -> bool:
    try:
        with session_factory(database_url)() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:
        logger.exception("database health check failed")
        return False


async def answers(url: str) -> bool:
    """Whether a GET of `url` answers 200 within 3 s (Rasa's `/`, the action server's `/health`)."""
    try:
        async with (
            ClientSession(timeout=ClientTimeout(total=3)) as client,
            client.get(url) as response,
        ):
            return response.status == 200
    except (OSError, asyncio.TimeoutError):
        return False


async def ready(request: web.Request) -> web.Response:
    """200 when the database, Rasa and the action server answer; 503 naming what does not."""
    settings = request.app[SETTINGS_KEY]
    database, rasa, actions = await asyncio.gather(
        asyncio.get_running_loop().run_in_executor(None, database_answers, settings.database_url),
        answers(f"{settings.rasa_internal_url}/"),
        answers(f"{settings.action_server_url.removesuffix('/webhook')}/health"),
    )
    checks = {"database": database, "rasa": rasa, "action_server": actions}
    body = {name: "ok" if fine else "unavailable" for name, fine in checks.items()}
    body["status"] = "ready" if all(checks.values()) else "not ready"
    return web.json_response(body, status=200 if all(checks.values()) else 503)


class _Snapshot:
    """A Prometheus collector over one snapshot (read off the event loop before the scrape is answered)."""

    def __init__(self, snapshot: OperationsSnapshot, delivery_failures: int | None) -> None:
        self.snapshot = snapshot
        self.delivery_failures = delivery_failures

    def collect(self):
        snapshot = self.snapshot
        dossiers = GaugeMetricFamily("dvc_dossiers", "Dossiers by workflow status", labels=["status"])
        for status, count in snapshot.dossiers.items():
            dossiers.add_metric([status], count)
        yield dossiers
        yield GaugeMetricFamily(
            "dvc_notifications_waiting",
            "Dossier updates not yet in the citizen's conversation",
            value=snapshot.notifications_waiting,
        )
        yield GaugeMetricFamily(
            "dvc_notifications_failing",
            "Waiting dossier updates already tried without success",
            value=snapshot.notifications_failing,
        )
        queued = GaugeMetricFamily(
            "dvc_channel_messages", "Telegram and Zalo messages by state", labels=["channel", "state"]
        )
        for (channel, state), count in snapshot.channel_messages.items():
            queued.add_metric([channel, state], count)
        yield queued
        activity = snapshot.activity
        yield GaugeMetricFamily("dvc_conversations", "Stored conversations", value=activity.conversations)
        yield CounterMetricFamily("dvc_turns", "Messages citizens wrote (all replicas)", value=activity.turns)
        yield CounterMetricFamily(
            "dvc_fallbacks", "Answers of 'not understood' (all replicas)", value=activity.fallbacks
        )
        if self.delivery_failures is not None:
            yield CounterMetricFamily(
                "dvc_notification_delivery_failures",
                "Delivery attempts of this back-office process that did not deliver",
                value=self.delivery_failures,
            )


async def metrics(request: web.Request) -> web.Response:
    app = request.app[SERVICES_KEY]
    snapshot = await asyncio.get_running_loop().run_in_executor(
        None, operations_snapshot, app.sessions, app.channel_queue, app.conversations
    )
    delivery = request.app.get(DELIVERY_KEY)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(snapshot, delivery.failures if delivery is not None else None))
    return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_operations_routes(app: web.Application) -> None:
    app.router.add_get("/readyz", ready, name="ready")
    app.router.add_get("/metrics", metrics, name="metrics")
