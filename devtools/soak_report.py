"""Print what `make soak` measured: the JSON summaries the soak runs wrote under test-results/soak/.

Each summary is written by the test that did the work (tests/unit/test_endpoint_fuzz.py, tests/unit/
test_input_properties.py through hypothesis statistics, tests/integration/test_faults.py,
tests/integration/test_log_privacy.py); a missing file means that part did not run."""

from __future__ import annotations

import json
import sys

from bot.settings import PROJECT_ROOT

SOAK_DIR = PROJECT_ROOT / "test-results" / "soak"


def load(name: str) -> dict:
    path = SOAK_DIR / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def report() -> tuple[dict[str, int | None], bool]:
    fuzz, faults, logs = load("endpoint-fuzz.json"), load("faults.json"), load("log-privacy.json")
    figures: dict[str, int | None] = {
        "inputs tried (HTTP fuzz)": fuzz.get("inputs"),
        "5xx answers": fuzz.get("server_errors"),
        "faults injected": faults.get("faults_injected"),
        "conversations under faults": faults.get("conversations"),
        "dossiers lost": faults.get("dossiers_lost"),
        "dossiers duplicated": faults.get("dossiers_duplicated"),
        "dossiers half-written": faults.get("dossiers_half_written"),
        "notifications lost": faults.get("notifications_lost"),
        "notifications sent twice": faults.get("notifications_doubled"),
        "log lines scanned": logs.get("log_lines"),
        "personal data found in logs": logs.get("personal_data_found"),
    }
    must_be_zero = [
        key for key in figures if key.startswith(("5xx", "dossiers", "notifications", "personal"))
    ]
    clean = all(figures[key] == 0 for key in must_be_zero)
    return figures, clean


def main() -> int:
    figures, clean = report()
    for name, value in figures.items():
        print(f"{name:32} {'not measured' if value is None else value}")
    print("soak: clean" if clean else "soak: PROBLEMS (or a part did not run)")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
