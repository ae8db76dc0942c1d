"""Normalise Vietnamese text the way citizens type it.

Citizens send NFC or NFD text, old ("hoà") or new ("hòa") tone placement, stray control characters,
doubled spaces and punctuation. `normalize` returns a cleaned NFC string with the old-style tone placement
unified to the modern one, together with a map from every character of the result back to its offset in
the original text, so that anything found in the normalised text (tokens, entities) can be located in what
the user actually typed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

# Two tone-placement conventions coexist for an open "oa", "oe", "uy" ending: "hoà/hòa", "khoẻ/khỏe",
# "thuỷ/thủy" (the catalogue itself mixes them). We unify on the tone over the first vowel ("hòa", "thủy").
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
_SECOND_VOWEL_TONED = re.compile(r"(?i)(?<!q)(o(?=[àáãảạèéẽẻẹ])|u(?=[ỳýỹỷỵàáãảạ]))(.)(?![^\W\d_])")
_REPEATED_PUNCT = re.compile(r"([!?.,;:])\1{2,}")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class NormalizedText:
    text: str
    # text[i] came from original[starts[i]:ends[i]] (several characters when NFD input was composed).
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty [start, end) span of the normalised text to the span it covers in the original."""
        return self.starts[start], self.ends[end - 1]


def _move_tone(first: str, second: str) -> str:
    """('o', 'à') -> 'òa': move the tone mark from the second vowel of the pair to the first."""
    decomposed = unicodedata.normalize("NFD", second)
    tone = next(mark for mark in decomposed if mark in _TONE_MARKS)
    bare_second = unicodedata.normalize("NFC", decomposed.replace(tone, ""))
    return unicodedata.normalize("NFC", first + tone) + bare_second


def unify_tone_placement(text: str) -> str:
    """One tone placement for an open "oa/oe/uy" ("hoà" -> "hòa"). Length-preserving on NFC text."""
    return _SECOND_VOWEL_TONED.sub(lambda match: _move_tone(match.group(1), match.group(2)), text)


def _nfc_with_spans(text: str) -> tuple[str, list[tuple[int, int]]]:
    """NFC-compose text, remembering which input characters each composed character came from."""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    cluster_start = 0
    for index in range(1, len(text) + 1):
        # A cluster is a base character followed by its combining marks.
        if index == len(text) or not unicodedata.combining(text[index]):
            for char in unicodedata.normalize("NFC", text[cluster_start:index]):
                chars.append(char)
                spans.append((cluster_start, index))
            cluster_start = index
    return "".join(chars), spans


def _is_dropped(char: str) -> bool:
    if char in "\ufe0e\ufe0f":  # emoji/text presentation selectors carry no meaning
        return True
    category = unicodedata.category(char)
    # Control and format characters (zero-width spaces, BOM, direction marks) but not ordinary whitespace.
    return category in ("Cc", "Cf", "Co", "Cs") and not _SPACE.match(char)


def normalize(text: str) -> NormalizedText:
    """NFC, modern tone placement, control characters dropped, whitespace collapsed and trimmed,
    runs of 3+ identical punctuation marks shortened to one."""
    # Dropped characters go first: a soft hyphen or zero-width space inside a word must not keep a letter
    # from its combining marks (NFC) nor hide where the syllable ends (tone placement: "hoà\u200bn").
    kept = [index for index, char in enumerate(text) if not _is_dropped(char)]
    composed, composed_spans = _nfc_with_spans("".join(text[index] for index in kept))
    composed = unify_tone_placement(composed)

    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    pending_space: tuple[int, int] | None = None
    for char, (start, end) in zip(composed, composed_spans, strict=True):
        span = (kept[start], kept[end - 1] + 1)
        if _SPACE.match(char):
            if chars and pending_space is None:
                pending_space = span
            continue
        if pending_space is not None:
            chars.append(" ")
            spans.append(pending_space)
            pending_space = None
        chars.append(char)
        spans.append(span)

    # Shorten "!!!!" / "????" / "...." to one mark covering the whole run.
    cleaned = "".join(chars)
    for match in reversed(list(_REPEATED_PUNCT.finditer(cleaned))):
        first, last = match.start(), match.end() - 1
        spans[first : last + 1] = [(spans[first][0], spans[last][1])]
        chars[first : last + 1] = [chars[first]]
    return NormalizedText("".join(chars), tuple(s for s, _ in spans), tuple(e for _, e in spans))


def normalize_text(text: str) -> str:
    return normalize(text).text


def strip_diacritics(text: str) -> str:
    """'Giấy khai sinh Đà Nẵng' -> 'Giay khai sinh Da Nang'. Length-preserving on NFC input, except that a
    combining mark NFC could not put on a letter (U+0301 after an "x") is dropped too."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare).replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """The diacritic-free, lower-case view used for matching: 'Hoà  Bình' -> 'hoa binh'."""
    return strip_diacritics(normalize_text(text)).lower()


# Every precomposed Latin letter with diacritics -> its bare letter ("ế" -> "e", "đ" -> "d").
_BARE_LETTERS = {
    code: strip_diacritics(chr(code))
    for code in itertools.chain(range(0xC0, 0x250), range(0x1E00, 0x1F00))
    if strip_diacritics(chr(code)) != chr(code) and len(strip_diacritics(chr(code))) == 1
}


def quick_fold(text: str) -> str:
    """fold() for large amounts of our own text (situation wordings, names): the same words, without the
    character-level cleaning of a citizen's message, and fifty times faster."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFC", text).lower().translate(_BARE_LETTERS)
