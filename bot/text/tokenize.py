"""Vietnamese word tokenisation with character offsets into the text the user typed.

Vietnamese writes one syllable per space-separated unit; words such as "giấy khai sinh" span several
syllables. underthesea's CRF word segmenter decides which syllables form a word, but it also rewrites
characters and glues numbers or codes to neighbours, so it is used only to *group* syllables that we
split ourselves: every token keeps exact offsets, which entity extraction and regex features rely on.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.text.normalize import NormalizedText, normalize, strip_diacritics

# A syllable, number, date or code ("15/3/2024", "000.00.12.H23-251122-0007", "0912.345.678") stays whole;
# any other non-space character (punctuation, emoji) is a token of its own.
_SYLLABLE = re.compile(r"\w+(?:[./\-:]\w+)*|[^\w\s]", re.UNICODE)
_LETTERS = re.compile(r"[^\W\d_]+", re.UNICODE)
# underthesea is only consulted on texts of a reasonable size; beyond that, syllables are tokens.
_SEGMENTER_LIMIT = 5000
# Its model is trained on text with diacritics; on "lam giay khai sinh" it glues random pairs
# ("trinh_la"), so text where fewer than this share of syllables carry a diacritic stays in syllables.
_MIN_DIACRITIC_SHARE = 0.3


@dataclass(frozen=True)
class WordToken:
    text: str  # syllables joined with "_" ("giấy_khai_sinh"), as Vietnamese NLP usually writes words
    folded: str  # lower-case, diacritic-free view ("giay_khai_sinh")
    start: int  # offsets into the original (un-normalised) text
    end: int


@lru_cache(maxsize=1)
def _segmenter():  # imported lazily: loading underthesea's model takes ~0.5 s
    from underthesea import word_tokenize

    return word_tokenize


def _compound_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (in `text`) of the multi-syllable words underthesea finds."""
    if len(text) > _SEGMENTER_LIMIT:
        return []
    # Character by character, so that positions in folded_text are positions in text: a mark that NFC left
    # on its own ("x\u0301") would otherwise vanish and shift every later span.
    folded_text = "".join(strip_diacritics(char) or char for char in text).lower()
    syllables = _LETTERS.findall(text)
    with_diacritics = sum(1 for syllable in syllables if not syllable.isascii())
    if not syllables or with_diacritics < _MIN_DIACRITIC_SHARE * len(syllables):
        return []
    spans: list[tuple[int, int]] = []
    cursor = 0
    for word in _segmenter()(text):
        pieces = word.split()
        if len(pieces) < 2 or not all(_LETTERS.fullmatch(piece) for piece in pieces):
            continue
        position = folded_text.find(strip_diacritics(word).lower(), cursor)
        if position < 0:
            continue  # underthesea rewrote the characters; leave these syllables as they are
        spans.append((position, position + len(word)))
        cursor = position + len(word)
    return spans


def _crosses(boundaries: list[int], gap_start: int, gap_end: int) -> bool:
    index = bisect.bisect_left(boundaries, gap_start)
    return index < len(boundaries) and boundaries[index] <= gap_end


def tokenize_normalized(normalized: NormalizedText, keep_apart: Iterable[int] = ()) -> list[WordToken]:
    """Word tokens of a normalised text. No word spans any offset (in the original text) of `keep_apart`:
    training examples pass their entity boundaries so that an annotated entity is never half a word."""
    text = normalized.text
    boundaries = sorted(set(keep_apart))
    # A combining mark standing alone (on a digit, from another script) is no word: it belongs to the
    # character before it, already inside that word's span.
    syllables = [
        (match.start(), match.end()) for match in _SYLLABLE.finditer(text) if strip_diacritics(match.group())
    ]
    compounds = iter(_compound_spans(text))
    compound = next(compounds, None)

    groups: list[list[tuple[int, int]]] = []
    for start, end in syllables:
        while compound is not None and compound[1] <= start:
            compound = next(compounds, None)
        inside = compound is not None and compound[0] <= start and end <= compound[1]
        if (
            inside
            and groups
            and groups[-1][0][0] >= compound[0]
            and not _crosses(boundaries, normalized.ends[groups[-1][-1][1] - 1], normalized.starts[start])
        ):
            groups[-1].append((start, end))
        else:
            groups.append([(start, end)])

    tokens = []
    for group in groups:
        word = "_".join(text[start:end] for start, end in group)
        original_start, _ = normalized.original_span(group[0][0], group[0][1])
        _, original_end = normalized.original_span(group[-1][0], group[-1][1])
        tokens.append(WordToken(word, strip_diacritics(word).lower(), original_start, original_end))
    return tokens


def tokenize(text: str) -> list[WordToken]:
    """Normalise `text` and split it into words whose offsets point into `text` itself."""
    return tokenize_normalized(normalize(text))
