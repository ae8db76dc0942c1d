"""Train the Rasa model only when its inputs changed (content hash of config, domain, data, NLU code).

Usage: python -m devtools.train  (what `make train`, `make run` and `make test` call)
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv" / "bin" / "rasa"
MODEL = ROOT / "models" / "dvc.tar.gz"
HASH_FILE = ROOT / "models" / "dvc.inputs-sha256"
TRAINING_DATA = ["data/nlu", "data/dialogue"]
INPUTS = ["config.yml", "domain.yml", *TRAINING_DATA, "bot/nlu", "bot/text"]


def inputs_hash() -> str:
    digest = hashlib.sha256()
    for entry in INPUTS:
        path = ROOT / entry
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and file.suffix in {".yml", ".yaml", ".py", ".json", ".txt"}:
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def train(
    out_dir: Path,
    model_name: str = "dvc",
    env: dict[str, str] | None = None,
    config: Path = ROOT / "config.yml",
    log: Path | None = None,
) -> None:
    """Train a model; Rasa's output goes to stderr, or to `log` (whose timestamps time each component)."""
    command = [
        str(RASA),
        "train",
        "--config",
        str(config),
        "--domain",
        "domain.yml",
        "--data",
        *TRAINING_DATA,
        "--out",
        str(out_dir),
        "--fixed-model-name",
        model_name,
    ]
    if log is None:
        subprocess.run(command, cwd=ROOT, check=True, env=env, stdout=sys.stderr)  # stdout: results only
        return
    with log.open("w", encoding="utf-8") as output:
        subprocess.run(command, cwd=ROOT, check=True, env=env, stdout=output, stderr=subprocess.STDOUT)


def main() -> int:
    current = inputs_hash()
    if MODEL.exists() and HASH_FILE.exists() and HASH_FILE.read_text().strip() == current:
        print(f"Model is up to date: {MODEL.relative_to(ROOT)}")
        return 0
    print("Training the Rasa model (training data or config changed)...", flush=True)
    train(MODEL.parent)
    HASH_FILE.write_text(current + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
