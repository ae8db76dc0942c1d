"""Top-1 / top-5 accuracy of the procedure search on labelled citizen questions, beside a peer baseline, and
how often the right procedure is not even among the first 60 candidates.

Usage: python -m eval.run [--set all|blind|test|dev|dev2] [--failures]   (make eval: every set)

The blind set (eval/procedure_questions.blind.yml) was written from the catalogue alone by someone who saw
neither the search code, its data files nor the other sets; it is never looked at while developing. The test
set was looked at over several tuning rounds and is no longer held out. The dev sets are the ones to look at
while improving the search (dev2 was written later, by someone who had seen neither the search code nor the
test set). Sets that label each question with `kind` (situation / named / formal) and `field` are also
reported per kind and per field.
The baseline is what a peer would try first: rapidfuzz WRatio over the raw catalogue names, no
normalisation, no synonyms.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.catalog.answers import OVERVIEW
from bot.catalog.assistant import ProcedureAssistant
from bot.catalog.search import default_search
from bot.catalog.store import default_catalog

EVAL_DIR = Path(__file__).resolve().parent


def load_questions(name: str) -> list[dict]:
    path = EVAL_DIR / f"procedure_questions.{name}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def has_diacritics(text: str) -> bool:
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text)) or "đ" in text.lower()


SETS = ("blind", "test", "dev", "dev2")
DEEP = 60  # "not in the first 60": then no candidate offered can be right
_CODE = re.compile(r"\d\.\d{6}")


def ours() -> Callable[[str], list[str]]:
    search = default_search()
    return lambda question: [match.procedure.code for match in search.search(question, limit=DEEP).matches]


def baseline() -> Callable[[str], list[str]]:
    procedures = list(default_catalog())
    names = [procedure.name for procedure in procedures]
    return lambda question: [
        procedures[index].code
        for _, _, index in process.extract(question, names, scorer=fuzz.WRatio, limit=DEEP)
    ]


def accuracy(questions: list[dict], ranked: list[list[str]]) -> dict[str, float | int]:
    top1 = sum(1 for q, codes in zip(questions, ranked, strict=True) if codes[:1] and codes[0] in q["codes"])
    top5 = sum(1 for q, codes in zip(questions, ranked, strict=True) if set(codes[:5]) & set(q["codes"]))
    missing = sum(
        1 for q, codes in zip(questions, ranked, strict=True) if not set(codes[:DEEP]) & set(q["codes"])
    )
    count = len(questions)
    return {
        "questions": count,
        "top1": round(100 * top1 / count, 1) if count else 0.0,
        "top5": round(100 * top5 / count, 1) if count else 0.0,
        f"not_in_top{DEEP}": round(100 * missing / count, 1) if count else 0.0,
    }


def report(questions: list[dict], search: Callable[[str], list[str]]) -> dict[str, dict]:
    ranked = [search(question["q"]) for question in questions]
    groups = {
        "overall": [True] * len(questions),
        "with_diacritics": [has_diacritics(q["q"]) for q in questions],
        "without_diacritics": [not has_diacritics(q["q"]) for q in questions],
    }
    for label in ("kind", "field"):
        for value in sorted({q[label] for q in questions if q.get(label)}):
            groups[f"{label}: {value}"] = [q.get(label) == value for q in questions]
    return {
        group: accuracy(
            [q for q, keep in zip(questions, mask, strict=True) if keep],
            [r for r, keep in zip(ranked, mask, strict=True) if keep],
        )
        for group, mask in groups.items()
    }


def chat_path(questions: list[dict]) -> dict[str, float | int]:
    """What the assistant's turn logic does with each question (as a first message, the NLU's entity aside):
    answer one procedure directly, offer candidates, or say it found nothing."""
    assistant = ProcedureAssistant(default_catalog(), default_search())
    direct = wrong_direct = right_offered = 0
    for question in questions:
        turn = assistant.ask(OVERVIEW, question["q"])
        if turn.pending_aspect is None and turn.procedure_code is not None:
            direct += 1
            wrong_direct += turn.procedure_code not in question["codes"]
            right_offered += turn.procedure_code in question["codes"]
        else:
            offered = {
                code
                for reply in turn.replies
                for button in reply.buttons
                for code in _CODE.findall(button.payload)
            }
            right_offered += bool(offered & set(question["codes"]))
    count = len(questions) or 1
    return {
        "answered_directly": round(100 * direct / count, 1),
        "wrong_among_direct_answers": round(100 * wrong_direct / (direct or 1), 1),
        "right_procedure_in_the_reply": round(100 * right_offered / count, 1),
    }


def table(results: list[dict]) -> str:
    lines = [f"{'set / group':<44} {'n':>4} {'top1':>6} {'top5':>6} {'>60':>6}   baseline top1/top5"]
    for result in results:
        for group, figures in result["ours"].items():
            peer = result["baseline_wratio"][group]
            lines.append(
                f"{result['set'] + ' / ' + group:<44} {figures['questions']:>4} {figures['top1']:>6} "
                f"{figures['top5']:>6} {figures[f'not_in_top{DEEP}']:>6}   {peer['top1']}/{peer['top5']}"
            )
        chat = result["chat_path"]
        lines.append(
            f"{result['set'] + ' / chat path':<44} direct {chat['answered_directly']}%, "
            f"wrong among direct {chat['wrong_among_direct_answers']}%, "
            f"right procedure in the reply {chat['right_procedure_in_the_reply']}%"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", default="all", choices=["all", *SETS])
    parser.add_argument("--failures", action="store_true", help="list our top-1 misses (dev sets only)")
    args = parser.parse_args()
    names = [name for name in SETS if (EVAL_DIR / f"procedure_questions.{name}.yml").exists()]
    names = names if args.set == "all" else [args.set]
    search, peer = ours(), baseline()
    results = []
    for name in names:
        questions = load_questions(name)
        results.append(
            {
                "set": name,
                "ours": report(questions, search),
                "baseline_wratio": report(questions, peer),
                "chat_path": chat_path(questions),
            }
        )
    print(json.dumps(results, indent=2, ensure_ascii=False))
    print(table(results), file=sys.stderr)
    if args.failures:
        if args.set not in ("dev", "dev2"):
            print("--failures is for a dev set: the blind and test sets stay unseen.", file=sys.stderr)
            return 2
        catalog = default_catalog()
        for question in load_questions(args.set):
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
