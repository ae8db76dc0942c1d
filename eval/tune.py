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
        probabilities = ranker._classifier.probabilities(text)
        fit = ranking_module.fit_of_each(probabilities, ranker.fields)
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


def evaluate(signals: list[Signals], sit: float, sem: float, pen: float) -> tuple[float, float, list]:
    top1 = top5 = 0
    firsts = []
    for item in signals:
        if not len(item.rows):
            firsts.append((0.0, 0.0, False))
            continue
        score = item.lexical + sit * 100 * item.wording + sem * 100 * item.meaning - pen * (1 - item.fit)
        order = np.argsort(-score)
        top1 += bool(item.right[order[0]])
        top5 += bool(item.right[order[:5]].any())
        margin = score[order[0]] - score[order[1]] if len(order) > 1 else 100.0
        firsts.append((float(score[order[0]]), float(margin), bool(item.right[order[0]])))
    count = len(signals)
    return 100 * top1 / count, 100 * top5 / count, firsts


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
        (0.0, 0.3, 0.5, 0.7, 0.9), (0.0, 0.2, 0.35, 0.5, 0.7), (0.0, 5.0, 10.0, 15.0, 25.0)
    ):
        top1, top5, _ = evaluate(signals, sit, sem, pen)
        results.append((top1, top5, sit, sem, pen))
    results.sort(reverse=True)
    for top1, top5, sit, sem, pen in results[:12]:
        print(f"top1 {top1:5.1f} top5 {top5:5.1f}  situation {sit} semantic {sem} field {pen}")
    current = (ranking_module.SITUATION_WEIGHT, ranking_module.SEMANTIC_WEIGHT, ranking_module.FIELD_PENALTY)
    top1, top5, firsts = evaluate(signals, *current)
    print(f"current weights {current}: top1 {top1:.1f} top5 {top5:.1f}")
    for threshold, margin in itertools.product((50, 60, 70, 80, 90), (3, 5, 8, 12, 16, 20)):
        direct = [right for score, lead, right in firsts if score >= threshold and lead >= margin]
        wrong = sum(1 for right in direct if not right)
        print(
            f"score >= {threshold} margin >= {margin}: direct {100 * len(direct) / len(firsts):5.1f}% "
            f"wrong {100 * wrong / max(len(direct), 1):4.1f}%"
        )


if __name__ == "__main__":
    main()
