"""The cluster profile (scripts/cluster.sh, `make run-cluster`) started as documented, on its own ports and
databases, then a short load run whose correctness checks must all pass (`make load` runs the long one).

PostgreSQL, Redis and nginx are Debian's packages (the script installs what is missing); Rasa uses its own
SQL tracker store and RedisLockStore; 2 Rasa, 2 action servers and 2 back-offices sit behind nginx."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

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
