"""Accent-aware phrase matching over a citizen's words.

Folding diacritics merges different words ("cần" need / "căn" in "căn cước" are both "can"), so a phrase
written with diacritics matches a word only where the citizen typed that same word, or typed it without any
diacritics at all (then we cannot tell, and the folded form decides).
A strict table (words to remove, such as filler) goes further: a citizen who types with diacritics means a
word without them as typed ("thi" is an exam, not "thì"), and a phrase written without diacritics ("nha")
is only that word, never one with diacritics ("nhà").
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


# A text is typed with diacritics when at least half its words carry some (about three in four Vietnamese
# syllables do); a citizen who types only a few is typing carelessly, and a bare word may be any word.
ACCENTED_SHARE = 0.5


def typed_with_diacritics(tokens: list[tuple[str, str, bool]]) -> bool:
    words = [(typed, folded) for typed, folded, protected in tokens if not protected and folded.isalpha()]
    accented = sum(1 for typed, folded in words if typed != folded)
    return accented > 0 and accented >= ACCENTED_SHARE * len(words)


def _starts_with(tokens: list[tuple[str, str, bool]], start: int, words: tuple[str, ...]) -> bool:
    found = tuple(folded for _, folded, protected in tokens[start : start + len(words)] if not protected)
    return bool(words) and found == words


def _overlap(before: list[str], replacement: tuple[str, ...]) -> int:
    """How many words at the end of `before` the replacement starts with (never all of it)."""
    for size in range(min(len(before), len(replacement) - 1), 0, -1):
        if tuple(before[-size:]) == replacement[:size]:
            return size
    return 0


class PhraseTable:
    """Phrases to find in a text, each with what replaces it (empty: the phrase is removed)."""

    def __init__(
        self, phrases: Iterable[tuple[str, str]], strict: bool = False, known: frozenset[str] | None = None
    ) -> None:
        self.strict = strict
        # The words, with diacritics, a text may use (those of the catalogue): a word typed with diacritics
        # that is none of them is a slip ("hộ chiêu", "giây khai sinh") and matches on its folded form.
        self.known = known
        by_first: dict[str, list[tuple[Words, tuple[str, ...]]]] = {}
        for phrase, replacement in phrases:
            words = Words.of(phrase)
            if words.folded:
                by_first.setdefault(words.folded[0], []).append((words, Words.of(replacement).folded))
        for candidates in by_first.values():
            candidates.sort(key=lambda item: len(item[0].folded), reverse=True)  # longest first
        self._by_first = by_first

    def _matches(self, phrase: Words, tokens: list[tuple[str, str, bool]], start: int, exact: bool) -> bool:
        if start + len(phrase.folded) > len(tokens):
            return False
        for offset, (phrase_typed, phrase_folded) in enumerate(zip(phrase.typed, phrase.folded, strict=True)):
            typed, folded, protected = tokens[start + offset]
            if protected or folded != phrase_folded:
                return False
            if exact and typed != phrase_typed:
                return False
            if self.strict and typed != folded and phrase_typed == phrase_folded:
                return False
            # The citizen typed diacritics: they must be the phrase's (unless the phrase has none, or the
            # typed word is no word the text may use).
            slip = self.known is not None and typed not in self.known
            if typed != folded and phrase_typed != phrase_folded and typed != phrase_typed and not slip:
                return False
        return True

    def apply(self, tokens: list[tuple[str, str, bool]]) -> tuple[list[tuple[str, str, bool]], bool]:
        """Rewrite every match (replacements come out protected); also say whether anything matched."""
        result: list[tuple[str, str, bool]] = []
        index, matched = 0, False
        exact = self.strict and typed_with_diacritics(tokens)
        while index < len(tokens):
            for phrase, replacement in self._by_first.get(tokens[index][1], ()):
                if self._matches(phrase, tokens, index, exact):
                    if _starts_with(tokens, index, replacement):
                        # Already the replacement ("hộ chiếu phổ thông" is not rewritten by "hộ chiếu").
                        result.extend(tokens[index : index + len(replacement)])
                        index += len(replacement)
                        break
                    # The words before may already start the replacement ("giấy" + "phép xây dựng" ->
                    # "giấy phép xây dựng", not "giấy giấy phép xây dựng").
                    overlap = _overlap([folded for _, folded, _ in result], replacement)
                    result.extend((word, word, True) for word in replacement[overlap:])
                    index += len(phrase.folded)
                    matched = True
                    break
            else:
                result.append(tokens[index])
                index += 1
        return result, matched
