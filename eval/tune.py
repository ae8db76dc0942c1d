"""Choose the ranking's weights and confidence thresholds on the development sets (never the blind set).

Usage: python -m eval.tune [--sets dev,dev2,test,dev3]

Every signal is computed once per question; the weights in bot/catalog/ranking.py are then tried over a
grid. Prints the best combinations by top-1 and, for the chosen weights, the direct-answer thresholds with
the share answered directly and the share of those that are wrong.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from bot.catalog import ranking as ranking_module
from eval.run import EVAL_DIR, library, load_questions


@dataclass
class Signals:
    rows: np.ndarray
    lexical: np.ndarray
    wording: np.ndarray
    meaning: np.ndarray
    fit: np.ndarray
    right: np.ndarray  # bool per candidate


def collect(ranker, questions: list[dict]) -> list[Signals]:
    out = []
    for question in questions:
        text = question["q"]
        lexical = ranker.lexical.scores(text)
        wording = ranker._wordings.words(text)
        meaning = ranker._meanings.meaning(ranker._question_vector(text))
        fit = ranker._classifier.fit(text, ranker._field_columns)[0]
        candidates = set(lexical)
        for signal in (wording, meaning):
            top = np.argsort(-signal)[: ranking_module.CANDIDATES_PER_SIGNAL]
            candidates.update(int(row) for row in top if signal[row] > 0)
        rows = np.array(sorted(candidates), dtype=np.int64)
        codes = set(question["codes"])
        out.append(
            Signals(
                rows,
                np.array([lexical.get(int(row), (0.0, 0.0))[0] for row in rows]),
                wording[rows],
                meaning[rows],
                fit[rows],
                np.array([ranker.procedures[int(row)].code in codes for row in rows], dtype=bool),
            )
        )
    return out


def features(item: Signals, score: np.ndarray, order: np.ndarray) -> list[float]:
    """What the confidence model sees of the first candidate (as bot/catalog/ranking.py computes it)."""
    top = order[0]
    margin = score[top] - score[order[1]] if len(order) > 1 else ranking_module.MARGIN_CAP
    return ranking_module.confidence_features(
        score=float(score[top]),
        margin=float(margin),
        lexical=float(item.lexical[top]),
        wording=float(item.wording[top]),
        meaning=float(item.meaning[top]),
        fit=float(item.fit[top]),
        lexical_agrees=bool(np.argmax(item.lexical) == top),
        meaning_agrees=bool(np.argmax(item.meaning) == top),
    )


def evaluate(signals: list[Signals], sit: float, sem: float, pen: float) -> tuple[float, float, list, list]:
    top1 = top5 = 0
    rows, right = [], []
    for item in signals:
        if not len(item.rows):
            continue
        score = item.lexical + sit * 100 * item.wording + sem * 100 * item.meaning - pen * (1 - item.fit)
        order = np.argsort(-score)
        top1 += bool(item.right[order[0]])
        top5 += bool(item.right[order[:5]].any())
        rows.append(features(item, score, order))
        right.append(bool(item.right[order[0]]))
    count = len(signals)
    return 100 * top1 / count, 100 * top5 / count, rows, right


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="dev,dev2,test,dev3")
    args = parser.parse_args()
    names = [name for name in args.sets.split(",") if (EVAL_DIR / f"procedure_questions.{name}.yml").exists()]
    if "blind" in names:
        raise SystemExit("The blind set is never tuned on.")
    ranker = library().ranker
    signals = []
    for name in names:
        signals += collect(ranker, load_questions(name))
    print(f"{len(signals)} questions from {', '.join(names)}")
    results = []
    for sit, sem, pen in itertools.product(
        (0.0, 0.1, 0.2, 0.3, 0.4), (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2), (0.0, 10.0, 15.0, 20.0, 30.0)
    ):
        top1, top5, _, _ = evaluate(signals, sit, sem, pen)
        results.append((top1, top5, sit, sem, pen))
    lexical_only = next(result for result in results if result[2:] == (0.0, 0.0, 0.0))
    print(f"lexical search alone: top1 {lexical_only[0]:.1f} top5 {lexical_only[1]:.1f}")
    results.sort(reverse=True)
    for top1, top5, sit, sem, pen in results[:12]:
        print(f"top1 {top1:5.1f} top5 {top5:5.1f}  situation {sit} semantic {sem} field {pen}")
    current = (ranking_module.SITUATION_WEIGHT, ranking_module.SEMANTIC_WEIGHT, ranking_module.FIELD_PENALTY)
    top1, top5, rows, right = evaluate(signals, *current)
    print(f"current weights {current}: top1 {top1:.1f} top5 {top5:.1f}")
    # The confidence model: a logistic regression of "the first candidate is right" on its features.
    model = LogisticRegression(C=1.0, max_iter=2000).fit(np.array(rows), np.array(right))
    print("CONFIDENCE_WEIGHTS =", tuple(round(float(w), 3) for w in model.coef_[0]))
    print("CONFIDENCE_BIAS =", round(float(model.intercept_[0]), 3))
    probability = model.predict_proba(np.array(rows))[:, 1]
    right_array = np.array(right)
    for threshold in (0.85, 0.9, 0.93, 0.95, 0.97):
        direct = probability >= threshold
        wrong = (direct & ~right_array).sum()
        print(
            f"probability >= {threshold}: direct {100 * direct.mean():5.1f}% "
            f"wrong {100 * wrong / max(direct.sum(), 1):4.1f}%"
        )


if __name__ == "__main__":
    main()
