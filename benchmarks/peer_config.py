"""The whitespace peer: this bot (same domain, stories, rules, policies and actions) with Rasa 3.6's own
default NLU pipeline (WhitespaceTokenizer, its featurizers, DIET), as `rasa init` gives it, in Vietnamese."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Found without importing Rasa (which would load TensorFlow).
RASA_DEFAULT = (
    Path(importlib.util.find_spec("rasa").origin).parent / "engine/recipes/config_files/default_config.yml"
)


def peer_config(ours: Path = ROOT / "config.yml") -> dict:
    config = yaml.safe_load(ours.read_text(encoding="utf-8"))
    default = yaml.safe_load(RASA_DEFAULT.read_text(encoding="utf-8"))
    return {**config, "pipeline": default["pipeline"]}


def write_peer_config(path: Path) -> Path:
    path.write_text(yaml.safe_dump(peer_config(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
