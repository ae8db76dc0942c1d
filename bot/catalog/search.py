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
from bot.catalog.phrases import PhraseTable, Words, tokens_of
from bot.settings import PROJECT_ROOT
from bot.text.normalize import fold

DATA_DIR = PROJECT_ROOT / "data" / "catalog"
_NON_WORD = re.compile(r"[^\w]+")
_NAME_PREFIX = re.compile(r"^thu tuc\s+")
COARSE_CANDIDATES = 40
# Confidence: the best match must cover the question well and stand clear of the next one.
CONFIDENT_SCORE = 58.0
CONFIDENT_MARGIN = 4.0
MIN_SCORE = 30.0
# How much of the question the name covers matters most; how much of the name the question covers
# orders a base procedure above its longer variants.
# Words of a procedure's field and result count, but less than words of its name.
CONTEXT_WEIGHT = 0.35
# Rare words (an action such as "cải chính", "gia hạn") decide more than common ones.
IDF_EXPONENT = 1.0
QUESTION_WEIGHT = 0.7
NAME_WEIGHT = 0.3
NAME_EXPONENT = 0.5
VARIANT_PENALTY = 7.0
ASKED_VARIANT_BONUS = 3.0  # the citizen named the variant ("kết hôn với người nước ngoài")
# When synonyms rewrote the question, its literal reading counts a little less than the rewritten one.
LITERAL_READING_FACTOR = 0.95
HOME_LEVEL_BONUS = 4.0


def _clean(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


@dataclass(frozen=True)
class Lexicon:
    """The data files that tune the search: synonyms, filler words, variant markers."""

    synonyms: tuple[tuple[str, str], ...]  # (citizen's phrase, catalogue's phrase)
    filler: tuple[str, ...]
    variant_markers: tuple[str, ...]
    aspect_words: tuple[str, ...] = ()
    follow_up_words: tuple[str, ...] = ()

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> Lexicon:
        synonyms_file = yaml.safe_load((directory / "synonyms.yml").read_text(encoding="utf-8"))
        words = yaml.safe_load((directory / "query_words.yml").read_text(encoding="utf-8"))
        variants = yaml.safe_load((directory / "variants.yml").read_text(encoding="utf-8"))
        entries = synonyms_file["synonyms"]
        return cls(
            synonyms=tuple(
                (variant, entry["canonical"]) for entry in entries for variant in entry["variants"]
            ),
            filler=tuple(words["filler"]),
            variant_markers=tuple(" ".join(Words.of(marker).folded) for marker in variants["markers"]),
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
        self._synonyms = PhraseTable(lexicon.synonyms)
        self._filler = PhraseTable((phrase, "") for phrase in lexicon.filler)
        self._not_a_procedure = PhraseTable(
            (phrase, "") for phrase in (*lexicon.filler, *lexicon.aspect_words, *lexicon.follow_up_words)
        )
        self._names = [_NAME_PREFIX.sub("", _clean(procedure.name)) for procedure in self.procedures]
        self._build_index()

    def _context(self, procedure: Procedure) -> list[str]:
        """Words beside the name that citizens also use for a procedure: its field and its result."""
        return [_clean(text) for text in (*procedure.fields, procedure.result) if text]

    def _build_index(self) -> None:
        vocabulary: dict[str, int] = {}
        name_cells: dict[tuple[int, int], float] = {}
        context_cells: dict[tuple[int, int], float] = {}
        for row, (name, procedure) in enumerate(zip(self._names, self.procedures, strict=True)):
            for feature in _features(name.split()):
                name_cells[row, vocabulary.setdefault(feature, len(vocabulary))] = 1.0
            for text in self._context(procedure):
                for feature in _features(text.split()):
                    context_cells.setdefault((row, vocabulary.setdefault(feature, len(vocabulary))), 1.0)
        cells = {**{cell: CONTEXT_WEIGHT for cell in context_cells}, **name_cells}
        rows = np.fromiter((row for row, _ in cells), dtype=np.int64, count=len(cells))
        columns = np.fromiter((column for _, column in cells), dtype=np.int64, count=len(cells))
        strength = np.fromiter(cells.values(), dtype=np.float64, count=len(cells))
        counts = np.bincount(columns, minlength=len(vocabulary))
        idf = (np.log((1 + len(self._names)) / (1 + counts)) + 1.0) ** IDF_EXPONENT
        self._vocabulary = vocabulary
        self._idf = idf
        shape = (len(self._names), len(vocabulary))
        self._matrix = sparse.csc_matrix((idf[columns] * strength, (rows, columns)), shape=shape)
        in_name = strength == 1.0
        name_only = sparse.csr_matrix((idf[columns][in_name], (rows[in_name], columns[in_name])), shape=shape)
        self._name_weight = np.asarray(name_only.sum(axis=1)).ravel()
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

    def readings(self, query: str) -> list[tuple[list[str | None], float]]:
        """The question's syllables with synonyms rewritten to the catalogue's words, and as typed; filler
        removed, typos corrected. None stands for a word no procedure name contains (it lowers the
        confidence, not the ranking)."""
        typed = tokens_of(Words.of(query))
        rewritten, any_synonym = self._synonyms.apply(typed)
        literal_weight = LITERAL_READING_FACTOR if any_synonym else 1.0
        readings: list[tuple[list[str | None], float]] = []
        for tokens, weight in ((rewritten, 1.0), (typed, literal_weight)):
            kept, _ = self._filler.apply(tokens)
            reading = [self._correct(folded) for _, folded, _ in kept]
            if any(reading) and all(reading != seen for seen, _ in readings):
                readings.append((reading, weight))
        return readings

    def names_a_procedure(self, message: str) -> bool:
        """False for a follow-up about the procedure under discussion ("còn lệ phí thì sao?", "mất mấy ngày"):
        nothing is left that a procedure name contains once question and follow-up words are removed."""
        tokens, rewritten = self._synonyms.apply(tokens_of(Words.of(message)))
        if rewritten:
            return True
        kept, _ = self._not_a_procedure.apply(tokens)
        return any(self._correct(folded) for _, folded, _ in kept)

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
        padded = f" {text} "
        asked = [marker for marker in self.lexicon.variant_markers if f" {marker} " in padded]
        unasked = [marker for marker in self.lexicon.variant_markers if marker not in asked]
        scores = {}
        for row in top:
            if overlap[row] <= 0:
                continue
            question_cover = overlap[row] / query_weight
            name_cover = min(overlap[row] / self._name_weight[row], 1.0)
            name = f" {self._names[row]} "
            penalty = VARIANT_PENALTY * sum(1 for marker in unasked if f" {marker} " in name)
            bonus = HOME_LEVEL_BONUS if self._home[row] else 0.0
            bonus += ASKED_VARIANT_BONUS * sum(1 for marker in asked if f" {marker} " in name)
            score = 100 * (QUESTION_WEIGHT * question_cover + NAME_WEIGHT * name_cover**NAME_EXPONENT)
            score += bonus - penalty
            scores[int(row)] = min(score, 100.0)
        return scores

    def search(self, query: str, limit: int = 5) -> SearchResult:
        best: dict[int, float] = {}
        for reading, weight in self.readings(query):
            for row, score in self._score(reading).items():
                best[row] = max(score * weight, best.get(row, -math.inf))
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
