"""The embedded profile against the cluster profile with 1 and 2 Rasa replicas, under the same load
(benchmarks/load.py) at 10, 50 and 100 concurrent conversations: turns/s and p95, and whether every
correctness check held. `make bench-profiles`; writes docs/benchmarks/profiles-<date>.json and .md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from devtools.services import ROOT, Ports, Services, free_ports

LEVELS = (10, 50, 100)
LIFTED_LIMITS = {
    "DVC_CHAT_RATE_PER_ADDRESS": "1000000",
    "DVC_CHAT_RATE_PER_CONVERSATION": "1000000",
    "DVC_NGINX_CHAT_RATE": "100000r/s",
    "DVC_NGINX_CHAT_BURST": "100000",
}


def resident_mb(pid: int) -> float | None:
    """The process's resident memory (VmRSS) in MB, or None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def load(arguments: list[str], env: dict[str, str] | None = None) -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    report = json.loads(run.stdout)
    report["exit_code"] = run.returncode
    return report


def levels(
    arguments: list[str], citizens_per_slot: int, env: dict[str, str] | None = None
) -> dict[int, dict]:
    results = {}
    for concurrency in LEVELS:
        citizens = concurrency * citizens_per_slot
        results[concurrency] = load(
            [*arguments, "--citizens", str(citizens), "--concurrency", str(concurrency)], env
        )
        print(
            f"  {concurrency} concurrent: {results[concurrency]['turns_per_second']} turns/s", file=sys.stderr
        )
    return results


def embedded(citizens_per_slot: int) -> dict[int, dict]:
    with tempfile.TemporaryDirectory() as var_dir:
        stack = Services(Ports.free(), Path(var_dir), extra_env=dict(LIFTED_LIMITS))
        stack.start_all(timeout=600)
        try:
            return levels(
                [
                    "--url",
                    stack.rasa_url,
                    "--backoffice-url",
                    stack.backoffice_url,
                    "--database-url",
                    f"sqlite:///{Path(var_dir) / 'dvc.db'}",
                    "--tracker-url",
                    f"sqlite:///{Path(var_dir) / 'rasa_tracker.db'}",
                    "--sms-outbox",
                    str(stack.sms_outbox),
                ],
                citizens_per_slot,
            ) | {"rasa_rss_mb": resident_mb(stack.processes["rasa"].pid)}
        finally:
            stack.stop_all()


def cluster(replicas: int, citizens_per_slot: int) -> dict[int, dict]:
    with tempfile.TemporaryDirectory() as directory:
        ports = free_ports(10)
        names = (
            "PORT",
            "RASA_PORT_1",
            "RASA_PORT_2",
            "ACTION_PORT_1",
            "ACTION_PORT_2",
            "ACTIONS_LB_PORT",
            "RASA_LB_PORT",
            "BACKOFFICE_PORT_1",
            "BACKOFFICE_PORT_2",
            "REDIS_PORT",
        )
        env = {
            **os.environ,
            **LIFTED_LIMITS,
            **{f"DVC_CLUSTER_{name}": str(port) for name, port in zip(names, ports, strict=True)},
            "DVC_CLUSTER_DIR": directory,
            "DVC_VAR_DIR": str(Path(directory) / "var"),
            "DVC_CLUSTER_DB": f"dvc_bench_{os.getpid()}_{replicas}",
            "DVC_CLUSTER_RASA_REPLICAS": str(replicas),
        }
        script = str(ROOT / "scripts" / "cluster.sh")
        subprocess.run([script, "start"], env=env, check=True, capture_output=True)
        try:
            results = {}
            for concurrency in LEVELS:
                citizens = concurrency * citizens_per_slot
                run = subprocess.run(
                    [script, "load", "--citizens", str(citizens), "--concurrency", str(concurrency)],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                results[concurrency] = {**json.loads(run.stdout), "exit_code": run.returncode}
                print(
                    f"  {concurrency} concurrent: {results[concurrency]['turns_per_second']} turns/s",
                    file=sys.stderr,
                )
            pids = [
                int((Path(directory) / "run" / f"rasa-{n}.pid").read_text()) for n in range(1, replicas + 1)
            ]
            return results | {"rasa_rss_mb": [resident_mb(pid) for pid in pids]}
        finally:
            subprocess.run([script, "stop"], env=env, capture_output=True)
            for name in (env["DVC_CLUSTER_DB"], env["DVC_CLUSTER_DB"] + "_tracker"):
                subprocess.run(["su", "postgres", "-c", f"dropdb --if-exists {name}"], capture_output=True)


def markdown(report: dict) -> str:
    machine = report["machine"]
    lines = [
        f"# Profiles under load ({report['date']}, {machine['cpus']} CPUs, {machine['system']})",
        "",
        "Same load generator (benchmarks/load.py), same mix of citizens; every correctness check must hold.",
        "",
        "| profile | concurrent | citizens | turns/s | p50 ms | p95 ms | errors | checks |",
        "|---|---|---|---|---|---|---|---|",
    ]
    memory = []
    for profile, results in report["profiles"].items():
        memory.append(f"- {profile}: Rasa resident memory after the runs {results.get('rasa_rss_mb')} MB")
        for concurrency, result in results.items():
            if not isinstance(concurrency, int):
                continue
            turns = result["all_turns"]
            ok = "ok" if result["exit_code"] == 0 else "FAILED"
            lines.append(
                f"| {profile} | {concurrency} | {result['citizens']} | {result['turns_per_second']} | "
                f"{turns.get('p50_ms')} | {turns.get('p95_ms')} | {result['errors']} | {ok} |"
            )
    return "\n".join([*lines, "", *memory]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiles", description=__doc__.split("\n")[0])
    parser.add_argument("--citizens-per-slot", type=int, default=3, help="citizens = concurrency x this")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks"))
    args = parser.parse_args(argv)
    now = datetime.now(timezone.utc)
    report = {
        "date": now.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "system": platform.platform()},
        "profiles": {},
    }
    print("embedded (SQLite, one of each server)", file=sys.stderr)
    report["profiles"]["embedded"] = embedded(args.citizens_per_slot)
    for replicas in (1, 2):
        print(f"cluster with {replicas} Rasa replica(s)", file=sys.stderr)
        report["profiles"][f"cluster, {replicas} Rasa"] = cluster(replicas, args.citizens_per_slot)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"profiles-{report['date']}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
