"""The cluster profile (scripts/cluster.sh, `make run-cluster`) started as documented, on its own ports and
databases, then a short load run whose correctness checks must all pass (`make load` runs the long one).

PostgreSQL, Redis and nginx are Debian's packages (the script installs what is missing); Rasa uses its own
SQL tracker store and RedisLockStore; 2 Rasa, 2 action servers and 2 back-offices sit behind nginx."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from sqlalchemy import create_engine, text

from devtools.services import ROOT, free_ports

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cluster")
    ports = free_ports(10)
    database = f"dvc_test_{os.getpid()}"
    env = {
        **os.environ,
        "DVC_CLUSTER_DIR": str(directory),
        "DVC_VAR_DIR": str(directory / "var"),
        "DVC_CLUSTER_DB": database,
        "DVC_CLUSTER_PORT": str(ports[0]),
        "DVC_CLUSTER_RASA_PORT_1": str(ports[1]),
        "DVC_CLUSTER_RASA_PORT_2": str(ports[2]),
        "DVC_CLUSTER_ACTION_PORT_1": str(ports[3]),
        "DVC_CLUSTER_ACTION_PORT_2": str(ports[4]),
        "DVC_CLUSTER_ACTIONS_LB_PORT": str(ports[5]),
        "DVC_CLUSTER_RASA_LB_PORT": str(ports[6]),
        "DVC_CLUSTER_BACKOFFICE_PORT_1": str(ports[7]),
        "DVC_CLUSTER_BACKOFFICE_PORT_2": str(ports[8]),
        "DVC_CLUSTER_REDIS_PORT": str(ports[9]),
        "DVC_CHAT_RATE_PER_ADDRESS": "1000000",
        "DVC_CHAT_RATE_PER_CONVERSATION": "1000000",
        "DVC_NGINX_CHAT_RATE": "100000r/s",
        "DVC_NGINX_CHAT_BURST": "100000",
    }
    script = str(ROOT / "scripts" / "cluster.sh")
    try:
        started = subprocess.run([script, "start"], env=env, capture_output=True, text=True, timeout=900)
        assert started.returncode == 0, started.stdout + started.stderr
        yield env
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=120)
        for name in (database, f"{database}_tracker"):
            subprocess.run(["su", "postgres", "-c", f"dropdb --if-exists {name}"], capture_output=True)


def test_the_cluster_serves_citizens_without_losing_doubling_or_reordering(cluster):
    script = str(ROOT / "scripts" / "cluster.sh")
    run = subprocess.run(
        [script, "load", "--citizens", "30", "--concurrency", "10", "--max-seconds", "90"],
        env=cluster,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(run.stdout)
    checks = report["checks"]
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert report["errors"] == 0 and report["citizens"] == 30
    assert checks["dossiers_submitted"] >= 5 and checks["notifications"] == checks["dossiers_submitted"]
    for failure in (
        "conversations_not_exactly_as_sent",
        "dossiers_duplicated",
        "dossiers_missing",
        "notifications_undelivered",
        "notifications_not_said_exactly_once",
    ):
        assert checks[failure] == 0, report


def test_backup_and_restore_on_postgresql(cluster, tmp_path):
    """python -m backoffice backup / restore with the cluster's PostgreSQL databases (pg_dump, pg_restore)."""
    database = cluster["DVC_CLUSTER_DB"]
    base = "postgresql://dvc:dvc-cluster-local@127.0.0.1:5432"
    env = {
        **cluster,
        "DATABASE_URL": f"{base}/{database}",
        "DVC_TRACKER_DB_URL": f"{base}/{database}_tracker",
        "DVC_STORAGE_DIR": str(tmp_path / "storage"),
    }
    python = str(ROOT / ".venv" / "bin" / "python")

    def command(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [python, "-m", "backoffice", *arguments], env=env, capture_output=True, text=True, cwd=ROOT
        )

    def counts() -> tuple[int, int]:
        engine = create_engine(env["DATABASE_URL"])
        tracker = create_engine(env["DVC_TRACKER_DB_URL"])
        with engine.connect() as connection, tracker.connect() as conversations:
            dossiers = connection.execute(text("SELECT count(*) FROM dossiers")).scalar_one()
            events = conversations.execute(text("SELECT count(*) FROM events")).scalar_one()
        engine.dispose()
        tracker.dispose()
        return dossiers, events

    before = counts()
    assert before[0] > 0 and before[1] > 0  # the load run filed dossiers and held conversations
    made = command("backup", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    folder = next((tmp_path / "backups").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["databases"] == {"backoffice": "postgresql", "tracker": "postgresql"}

    engine = create_engine(env["DATABASE_URL"])
    with engine.begin() as connection:  # a disaster: the notifications and dossiers are gone
        connection.execute(text("DELETE FROM payments"))
        connection.execute(text("DELETE FROM notifications"))
        connection.execute(text("DELETE FROM dossier_events"))
        connection.execute(text("DELETE FROM dossiers"))
    engine.dispose()
    assert counts()[0] == 0

    restored = command("restore", str(folder))
    assert restored.returncode == 0, restored.stderr
    assert counts() == before
