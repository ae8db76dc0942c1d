"""Which part of a procedure a question asks about, from its words (data/catalog/aspect_words.yml).

The NLU's intent decides first; this is the fallback when it took an aspect question for a general one or
could not classify it at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.catalog import answers
from bot.text.normalize import quick_fold

ASPECT_WORDS = Path(__file__).resolve().parents[2] / "data" / "catalog" / "aspect_words.yml"


@dataclass(frozen=True)
class AspectCues:
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (aspect, its words as one whole-word pattern)

    @classmethod
    def load(cls, path: Path = ASPECT_WORDS) -> AspectCues:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = set(data) - set(answers.ASPECTS)
        if unknown:
            raise ValueError(
                f"{path}: unknown aspects {sorted(unknown)}; known: {', '.join(answers.ASPECTS)}"
            )
        return cls(
            tuple(
                (aspect, re.compile(r"\b(?:" + "|".join(re.escape(quick_fold(w)) for w in words) + r")\b"))
                for aspect, words in data.items()
                if words
            )
        )

    def without_cues(self, message: str) -> str:
        """The message without the words that ask about a part ("lệ phí … bao nhiêu" -> "… "): what is left
        is what names the procedure. Searching with the cue words let a procedure whose *name* holds them win
        ("lệ phí khai sinh bao nhiêu" found "Khai quyết toán phí, lệ phí khác")."""
        text = unicodedata.normalize("NFC", message)
        folded = quick_fold(text)
        if len(folded) != len(text):  # folding changed the length: spans would not line up
            return message
        spans = sorted(found.span() for _, pattern in self.patterns for found in pattern.finditer(folded))
        kept, last = [], 0
        for start, end in spans:
            if start >= last:
                kept.append(text[last:start])
            last = max(last, end)
        kept.append(text[last:])
        return " ".join("".join(kept).split())

    def asked(self, message: str) -> str | None:
        """The aspect whose words come first in the message, or None for a general question."""
        folded = quick_fold(message)
        found = [
            (match.start(), aspect) for aspect, pattern in self.patterns if (match := pattern.search(folded))
        ]
        return min(found)[1] if found else None
