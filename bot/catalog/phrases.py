"""Accent-aware phrase matching over a citizen's words.

Folding diacritics merges different words ("cần" need / "căn" in "căn cước" are both "can"), so a phrase
written with diacritics matches a word only where the citizen typed that same word, or typed it without any
diacritics at all (then we cannot tell, and the folded form decides).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.text.normalize import normalize_text, strip_diacritics

_NON_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Words:
    """A text as lower-case words, with diacritics (`typed`) and without (`folded`), position by position."""

    typed: tuple[str, ...]
    folded: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Words:
        typed = tuple(_NON_WORD.sub(" ", normalize_text(text).lower()).split())
        return cls(typed, tuple(strip_diacritics(word) for word in typed))


# A token is (typed, folded, protected): protected tokens were produced by a rewrite (a synonym's
# catalogue wording) and later tables leave them alone.
def tokens_of(words: Words) -> list[tuple[str, str, bool]]:
    return [(typed, folded, False) for typed, folded in zip(words.typed, words.folded, strict=True)]


class PhraseTable:
    """Phrases to find in a text, each with what replaces it (empty: the phrase is removed)."""

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        by_first: dict[str, list[tuple[Words, tuple[str, ...]]]] = {}
        for phrase, replacement in phrases:
            words = Words.of(phrase)
            if words.folded:
                by_first.setdefault(words.folded[0], []).append((words, Words.of(replacement).folded))
        for candidates in by_first.values():
            candidates.sort(key=lambda item: len(item[0].folded), reverse=True)  # longest first
        self._by_first = by_first

    @staticmethod
    def _matches(phrase: Words, tokens: list[tuple[str, str, bool]], start: int) -> bool:
        if start + len(phrase.folded) > len(tokens):
            return False
        for offset, (phrase_typed, phrase_folded) in enumerate(zip(phrase.typed, phrase.folded, strict=True)):
            typed, folded, protected = tokens[start + offset]
            if protected or folded != phrase_folded:
                return False
            # The citizen typed diacritics: they must be the phrase's (unless the phrase has none).
            if typed != folded and phrase_typed != phrase_folded and typed != phrase_typed:
                return False
        return True

    def apply(self, tokens: list[tuple[str, str, bool]]) -> tuple[list[tuple[str, str, bool]], bool]:
        """Rewrite every match (replacements come out protected); also say whether anything matched."""
        result: list[tuple[str, str, bool]] = []
        index, matched = 0, False
        while index < len(tokens):
            for phrase, replacement in self._by_first.get(tokens[index][1], ()):
                if self._matches(phrase, tokens, index):
                    result.extend((word, word, True) for word in replacement)
                    index += len(phrase.folded)
                    matched = True
                    break
            else:
                result.append(tokens[index])
                index += 1
        return result, matched
