"""Find the procedure a citizen means, from informal, diacritic-free, abbreviated or misspelt words.

Ranking, in two passes:
1. A sparse index of idf-weighted syllables and syllable pairs of every procedure name (diacritic-free) gives
   a coarse score to all procedures at once (one sparse column sum), keeping the best few dozen.
2. Those are re-ranked on how much of the question the name covers, how much of the name the question
   covers (so the shorter base procedure beats its longer variants), a penalty for variant markers the
   citizen did not ask for (data/catalog/variants.yml) and a small bonus for the commune's home level.
The question is cleaned first: filler words removed (data/catalog/query_words.yml), misspelt syllables
corrected to the nearest catalogue syllable, and searched both as typed and with citizens' words rewritten
to the catalogue's (data/catalog/synonyms.yml); the better reading wins.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import fuzz, process
from scipy import sparse

from bot.catalog.model import Procedure
from bot.settings import PROJECT_ROOT
from bot.text.normalize import fold

DATA_DIR = PROJECT_ROOT / "data" / "catalog"
_NON_WORD = re.compile(r"[^\w]+")
_NAME_PREFIX = re.compile(r"^thu tuc\s+")
COARSE_CANDIDATES = 40
# Confidence: the best match must cover the question well and stand clear of the next one.
CONFIDENT_SCORE = 62.0
CONFIDENT_MARGIN = 6.0
MIN_SCORE = 30.0
VARIANT_PENALTY = 7.0
HOME_LEVEL_BONUS = 2.0


def _clean(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({_clean(phrase) for phrase in phrases if _clean(phrase)}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(phrase) for phrase in cleaned) + r")\b")


@dataclass(frozen=True)
class Lexicon:
    """The data files that tune the search: synonyms, filler words, variant markers."""

    synonyms: tuple[tuple[str, str], ...]  # (citizen's phrase, catalogue's phrase), diacritic-free
    filler: tuple[str, ...]
    variant_markers: tuple[str, ...]
    aspect_words: tuple[str, ...] = ()
    follow_up_words: tuple[str, ...] = ()

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> Lexicon:
        synonyms_file = yaml.safe_load((directory / "synonyms.yml").read_text(encoding="utf-8"))
        words = yaml.safe_load((directory / "query_words.yml").read_text(encoding="utf-8"))
        variants = yaml.safe_load((directory / "variants.yml").read_text(encoding="utf-8"))
        pairs = [
            (_clean(variant), _clean(entry["canonical"]))
            for entry in synonyms_file["synonyms"]
            for variant in entry["variants"]
        ]
        return cls(
            synonyms=tuple(sorted(set(pairs), key=lambda pair: len(pair[0]), reverse=True)),
            filler=tuple(words["filler"]),
            variant_markers=tuple(_clean(marker) for marker in variants["markers"]),
            aspect_words=tuple(words.get("aspects", ())),
            follow_up_words=tuple(words.get("follow_up", ())),
        )


@dataclass(frozen=True)
class Match:
    procedure: Procedure
    score: float  # 0–100


@dataclass(frozen=True)
class SearchResult:
    query: str
    matches: tuple[Match, ...]  # best first
    confident: bool  # the first match is the answer; otherwise offer the matches as choices

    @property
    def best(self) -> Procedure | None:
        return self.matches[0].procedure if self.matches else None


def _features(tokens: list[str]) -> list[str]:
    return tokens + [f"{first} {second}" for first, second in itertools.pairwise(tokens)]


class ProcedureSearch:
    def __init__(self, procedures: Sequence[Procedure], lexicon: Lexicon, home_level: str | None = "Cấp xã"):
        self.procedures = list(procedures)
        self.lexicon = lexicon
        self.home_level = home_level
        self._filler = _phrase_pattern(lexicon.filler)
        self._synonym_pattern = _phrase_pattern([citizen for citizen, _ in lexicon.synonyms])
        self._synonym_map = dict(lexicon.synonyms)
        self._not_a_procedure = _phrase_pattern(
            [*lexicon.filler, *lexicon.aspect_words, *lexicon.follow_up_words]
        )
        self._names = [_NAME_PREFIX.sub("", _clean(procedure.name)) for procedure in self.procedures]
        self._build_index()

    def _build_index(self) -> None:
        vocabulary: dict[str, int] = {}
        rows, columns = [], []
        for row, name in enumerate(self._names):
            for feature in set(_features(name.split())):
                rows.append(row)
                columns.append(vocabulary.setdefault(feature, len(vocabulary)))
        counts = np.bincount(columns, minlength=len(vocabulary))
        idf = np.log((1 + len(self._names)) / (1 + counts)) + 1.0
        weights = idf[columns]
        self._vocabulary = vocabulary
        self._idf = idf
        self._matrix = sparse.csc_matrix(
            (weights, (rows, columns)), shape=(len(self._names), len(vocabulary))
        )
        self._name_weight = np.asarray(self._matrix.sum(axis=1)).ravel()
        self._syllables = sorted(feature for feature in vocabulary if " " not in feature)
        # An unknown word weighs like a typical catalogue syllable.
        self._unknown_weight = float(np.median(idf[[vocabulary[s] for s in self._syllables]]))
        self._home = np.array([self.home_level in procedure.levels for procedure in self.procedures])

    # -- the question --------------------------------------------------------------------------------

    def _correct(self, token: str) -> str | None:
        """The catalogue syllable the citizen meant, or None for a word no procedure name uses."""
        if token in self._vocabulary:
            return token
        # Short syllables are too close to each other to guess ("abc" is not "abtc").
        if len(token) < 4 or token.isdigit():
            return None
        best = process.extractOne(token, self._syllables, scorer=fuzz.ratio, score_cutoff=80)
        return best[0] if best else None

    def readings(self, query: str) -> list[list[str | None]]:
        """The question's syllables as typed and with synonyms rewritten, typos corrected, filler removed;
        None stands for a word no procedure name contains (it lowers the confidence, not the ranking)."""
        cleaned = _clean(query)
        rewritten = (
            self._synonym_pattern.sub(lambda match: self._synonym_map[match.group(0)], cleaned)
            if self._synonym_pattern
            else cleaned
        )
        readings = []
        for text in dict.fromkeys([rewritten, cleaned]):
            if self._filler:
                text = self._filler.sub(" ", text)
            tokens = [self._correct(token) for token in text.split()]
            if any(tokens) and tokens not in readings:
                readings.append(tokens)
        return readings

    def names_a_procedure(self, message: str) -> bool:
        """False for a follow-up about the procedure under discussion ("còn lệ phí thì sao?", "mất mấy ngày"):
        nothing is left that a procedure name contains once question and follow-up words are removed."""
        text = _clean(message)
        if self._synonym_pattern and self._synonym_pattern.search(text):
            return True
        if self._not_a_procedure:
            text = self._not_a_procedure.sub(" ", text)
        return any(self._correct(token) for token in text.split())

    # -- ranking -------------------------------------------------------------------------------------

    def _score(self, reading: list[str | None]) -> dict[int, float]:
        known = [token for token in reading if token]
        features = [feature for feature in dict.fromkeys(_features(known)) if feature in self._vocabulary]
        if not features:
            return {}
        columns = [self._vocabulary[feature] for feature in features]
        overlap = np.asarray(self._matrix[:, columns].sum(axis=1)).ravel()
        unknown_words = len(reading) - len(known)
        query_weight = float(self._idf[columns].sum()) + unknown_words * self._unknown_weight
        text = " ".join(known)
        coarse = overlap / query_weight + 0.15 * overlap / self._name_weight
        top = np.argpartition(-coarse, min(COARSE_CANDIDATES, len(coarse) - 1))[:COARSE_CANDIDATES]
        markers = [marker for marker in self.lexicon.variant_markers if marker not in text]
        scores = {}
        for row in top:
            if overlap[row] <= 0:
                continue
            question_cover = overlap[row] / query_weight
            name_cover = overlap[row] / self._name_weight[row]
            name = self._names[row]
            penalty = VARIANT_PENALTY * sum(1 for marker in markers if marker in name)
            bonus = HOME_LEVEL_BONUS if self._home[row] else 0.0
            score = 100 * (0.7 * question_cover + 0.3 * math.sqrt(name_cover)) - penalty + bonus
            scores[int(row)] = min(score, 100.0)
        return scores

    def search(self, query: str, limit: int = 5) -> SearchResult:
        best: dict[int, float] = {}
        for reading in self.readings(query):
            for row, score in self._score(reading).items():
                best[row] = max(score, best.get(row, -math.inf))
        ranked = sorted(best.items(), key=lambda item: (-item[1], self.procedures[item[0]].code))
        matches = tuple(
            Match(self.procedures[row], round(score, 1))
            for row, score in ranked[:limit]
            if score >= MIN_SCORE
        )
        confident = (
            bool(matches)
            and matches[0].score >= CONFIDENT_SCORE
            and (len(matches) == 1 or matches[0].score - matches[1].score >= CONFIDENT_MARGIN)
        )
        return SearchResult(query, matches, confident)


@lru_cache(maxsize=1)
def default_search() -> ProcedureSearch:
    from bot.catalog.store import default_catalog
    from bot.settings import load_settings

    return ProcedureSearch(list(default_catalog()), Lexicon.load(), load_settings().home_level)
