"""The consent notice shown before a dossier form (data/consent.yml) and the record of a citizen's consent.

A dossier keeps when its citizen agreed (UTC) and to which text: the notice's human label and a short sha256
of the exact text shown, so that a later edit of the notice cannot be mistaken for what was agreed to."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

CONSENT_PATH = PROJECT_ROOT / "data" / "consent.yml"
DIGEST_LENGTH = 12  # hex digits of the sha256 kept in the version
MAX_LABEL_LENGTH = 40  # the version fits the dossier's column (64 characters)


class ConsentNoticeError(ValueError):
    """data/consent.yml is missing a field or malformed (the message says which)."""


@dataclass(frozen=True)
class ConsentNotice:
    text: str  # exactly what the citizen reads (after the form's one-line introduction)
    label: str  # the human version label, e.g. "v1-2025-12"

    @property
    def version(self) -> str:
        digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]
        return f"{self.label}/{digest}"


@dataclass(frozen=True)
class ConsentRecord:
    """What a dossier keeps: which notice was agreed to, and when."""

    version: str
    given_at: datetime  # UTC

    @classmethod
    def at(cls, version: str, moment: datetime) -> ConsentRecord:
        return cls(version, moment.astimezone(timezone.utc))


def load_notice(path: Path = CONSENT_PATH) -> ConsentNotice:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    text, label = document.get("text"), document.get("version")
    if not isinstance(text, str) or not text.strip():
        raise ConsentNoticeError(f"{path}: 'text' (the notice shown to citizens) is missing")
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL_LENGTH or "/" in label:
        raise ConsentNoticeError(
            f"{path}: 'version' must be a short label without '/' (at most {MAX_LABEL_LENGTH} characters)"
        )
    return ConsentNotice(text=text, label=label.strip())


@lru_cache(maxsize=1)
def default_notice() -> ConsentNotice:
    return load_notice()
