"""Which field a citizen's question is about ("hộ tịch", "đất đai", "giao thông"...), decided before the
procedure, so that a question about a car never lands in securities or customs.

Each procedure belongs to one citizens' field: the field of the situation file that describes it, else
the field most procedures of its catalogue field (lĩnh vực) belong to, else its catalogue field itself.
A naive Bayes classifier (complement NB) over diacritic-free words and word pairs is trained at start-up
(a fraction of a second, no network) on the situation wordings and the procedure names, labelled with
those fields.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import ComplementNB

from bot.catalog.model import Procedure
from bot.catalog.situations import SituationData
from bot.text.normalize import quick_fold

OTHER_FIELD = "khác"


def field_of_each(procedures: Sequence[Procedure], situations: SituationData) -> list[str]:
    """The citizens' field of every procedure, in order."""
    described = {entry.code: entry.field for entry in situations.procedures}
    votes: dict[str, Counter[str]] = {}
    for procedure in procedures:
        if procedure.code in described:
            for catalogue_field in procedure.fields:
                votes.setdefault(catalogue_field, Counter())[described[procedure.code]] += 1
    by_catalogue_field = {name: counter.most_common(1)[0][0] for name, counter in votes.items()}
    fields = []
    for procedure in procedures:
        if procedure.code in described:
            fields.append(described[procedure.code])
            continue
        known = [by_catalogue_field[name] for name in procedure.fields if name in by_catalogue_field]
        fields.append(known[0] if known else (procedure.fields[0] if procedure.fields else OTHER_FIELD))
    return fields


class FieldClassifier:
    def __init__(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        self._vectorizer = TfidfVectorizer(
            preprocessor=quick_fold,
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=1,
            token_pattern=r"(?u)\b\w+\b",
        )
        features = self._vectorizer.fit_transform(texts)
        self._model = ComplementNB(alpha=0.3)
        self._model.fit(features, list(labels))
        self.labels: tuple[str, ...] = tuple(self._model.classes_)
        # Complement NB's class scores are one row of weights per word; kept word-major so that a question's
        # few words are a gather, not the copy of the whole transposed matrix sklearn makes on every call.
        self._weights = np.ascontiguousarray(self._model.feature_log_prob_.T)

    def _probabilities(self, question: str) -> np.ndarray:
        words = self._vectorizer.transform([question])
        scores = words.data @ self._weights[words.indices] if words.nnz else np.zeros(len(self.labels))
        if len(self.labels) == 1:
            scores = scores + self._model.class_log_prior_
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()

    def probabilities(self, question: str) -> dict[str, float]:
        return dict(zip(self.labels, self._probabilities(question).tolist(), strict=True))

    def columns_for(self, fields: Sequence[str]) -> np.ndarray:
        """Each field's column in the classifier's probabilities (for `fit`)."""
        column = {label: index for index, label in enumerate(self.labels)}
        return np.array([column[field] for field in fields], dtype=np.int64)

    def fit(self, question: str, columns: np.ndarray) -> tuple[np.ndarray, str, float]:
        """How well each procedure's field (by column) fits the question, 0–1 (its probability over the best
        field's), with the best field and its probability."""
        probabilities = self._probabilities(question)
        best = int(np.argmax(probabilities))
        top = float(probabilities[best]) or 1.0
        return probabilities[columns] / top, self.labels[best], float(probabilities[best])

    def best(self, question: str) -> tuple[str, float]:
        probabilities = self.probabilities(question)
        label = max(probabilities, key=probabilities.__getitem__)
        return label, probabilities[label]

    @classmethod
    def train(
        cls, procedures: Sequence[Procedure], fields: Sequence[str], situations: SituationData
    ) -> FieldClassifier:
        texts = [procedure.name for procedure in procedures]
        labels = list(fields)
        for entry in situations.procedures:
            texts.extend(entry.wordings)
            labels.extend([entry.field] * len(entry.wordings))
        return cls(texts, labels)


def fit_of_each(probabilities: dict[str, float], fields: Sequence[str]) -> np.ndarray:
    """How well each procedure's field fits the question: its probability over the best field's (0–1)."""
    top = max(probabilities.values(), default=0.0) or 1.0
    return np.array([probabilities.get(field, 0.0) / top for field in fields])
