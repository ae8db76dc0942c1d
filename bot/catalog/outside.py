"""Matters communes handle that the national catalogue lacks (data/catalog/outside_catalogue.yml): the bot
recognises a question about one of them and says so honestly instead of offering unrelated procedures."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

OUTSIDE_PATH = PROJECT_ROOT / "data" / "catalog" / "outside_catalogue.yml"


@dataclass(frozen=True)
class OutsideTopic:
    topic: str  # told to the citizen: "trợ cấp xã hội hằng tháng (...)"
    handled_by: str  # who at the commune usually handles it
    wordings: tuple[str, ...]


def load_topics(path: Path = OUTSIDE_PATH) -> tuple[OutsideTopic, ...]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(
        OutsideTopic(
            " ".join(entry["topic"].split()),
            " ".join(entry["handled_by"].split()),
            tuple(" ".join(text.split()) for text in entry["situations"]),
        )
        for entry in document.get("topics", ())
    )


@lru_cache(maxsize=1)
def default_topics() -> tuple[OutsideTopic, ...]:
    return load_topics()
