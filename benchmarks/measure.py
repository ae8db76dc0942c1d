"""What every benchmark measures alike: percentiles of samples, a process tree's memory, one REST turn."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from devtools.services import post_json


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "count": len(ordered),
        "p50_ms": round(cut[49], 1),
        "p95_ms": round(cut[94], 1),
        "p99_ms": round(cut[98], 1),
        "max_ms": round(ordered[-1], 1),
    }


def resident_mb(pid: int) -> float:
    """VmRSS of a process and its descendants, in MiB."""
    total_kb = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total_kb += int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, StopIteration):
            continue
        pending.extend(int(child) for child in children)
    return round(total_kb / 1024, 1)


def one_turn(rasa_url: str, sender: str, message: str) -> float:
    """Milliseconds from sending the message on the REST channel to having the bot's replies."""
    started = time.perf_counter()
    replies = post_json(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": message})
    elapsed = (time.perf_counter() - started) * 1000
    if not replies:
        raise RuntimeError(f"no reply to {message!r}")
    return elapsed
