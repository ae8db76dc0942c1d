"""Top-1 / top-5 accuracy of the procedure search on labelled citizen questions, beside a peer baseline.

Usage: python -m eval.run [--set test|dev|dev2] [--failures]   (make eval)

The test set (eval/procedure_questions.test.yml) is held out: it is never used for training data or for
tuning synonyms. The dev sets are the ones to look at while improving the search (dev2 was written later,
by someone who had seen neither the search code nor the test set).
The baseline is what a peer would try first: rapidfuzz WRatio over the raw catalogue names, no
normalisation, no synonyms.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.catalog.search import default_search
from bot.catalog.store import default_catalog

EVAL_DIR = Path(__file__).resolve().parent


def load_questions(name: str) -> list[dict]:
    path = EVAL_DIR / f"procedure_questions.{name}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def has_diacritics(text: str) -> bool:
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text)) or "đ" in text.lower()


def ours() -> Callable[[str], list[str]]:
    search = default_search()
    return lambda question: [match.procedure.code for match in search.search(question, limit=5).matches]


def baseline() -> Callable[[str], list[str]]:
    procedures = list(default_catalog())
    names = [procedure.name for procedure in procedures]
    return lambda question: [
        procedures[index].code
        for _, _, index in process.extract(question, names, scorer=fuzz.WRatio, limit=5)
    ]


def accuracy(questions: list[dict], ranked: list[list[str]]) -> dict[str, float | int]:
    top1 = sum(1 for q, codes in zip(questions, ranked, strict=True) if codes[:1] and codes[0] in q["codes"])
    top5 = sum(1 for q, codes in zip(questions, ranked, strict=True) if set(codes[:5]) & set(q["codes"]))
    count = len(questions)
    return {
        "questions": count,
        "top1": round(100 * top1 / count, 1) if count else 0.0,
        "top5": round(100 * top5 / count, 1) if count else 0.0,
    }


def report(questions: list[dict], search: Callable[[str], list[str]]) -> dict[str, dict]:
    ranked = [search(question["q"]) for question in questions]
    groups = {
        "overall": [True] * len(questions),
        "with_diacritics": [has_diacritics(q["q"]) for q in questions],
        "without_diacritics": [not has_diacritics(q["q"]) for q in questions],
    }
    return {
        group: accuracy(
            [q for q, keep in zip(questions, mask, strict=True) if keep],
            [r for r, keep in zip(ranked, mask, strict=True) if keep],
        )
        for group, mask in groups.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", default="test", choices=["test", "dev", "dev2"])
    parser.add_argument("--failures", action="store_true", help="list our top-1 misses (dev sets only)")
    args = parser.parse_args()
    questions = load_questions(args.set)
    result = {
        "set": args.set,
        "ours": report(questions, ours()),
        "baseline_wratio": report(questions, baseline()),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.failures:
        if args.set == "test":
            print("--failures is for the dev set: the test set stays unseen.", file=sys.stderr)
            return 2
        search, catalog = ours(), default_catalog()
        for question in questions:
            got = search(question["q"])
            if not got or got[0] not in question["codes"]:
                best = catalog.get(got[0]).name if got else "—"
                print(
                    f"MISS {question['q']!r}\n  want {question['codes']}  got {got[:3]} {best}",
                    file=sys.stderr,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
