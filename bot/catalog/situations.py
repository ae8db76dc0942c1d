"""Situation knowledge: the life events and everyday wordings that lead citizens to a procedure.

Written as data, one file per field in data/catalog/situations/ (the format is documented in that folder's
README.md), from each procedure's own record. Two kinds of entries:
- per procedure, what citizens say when they need it ("vợ em mới sinh cháu, làm giấy tờ cho cháu");
- per group of close siblings (cấp đổi / cấp lại, xã / tỉnh), the one question that tells them apart, with
  the answer that leads to each.
`python -m bot.catalog.situations check [FILE ...]` validates files against the catalogue.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

# libyaml's loader: the files hold thousands of wordings, pure-Python parsing takes seconds.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SITUATIONS_DIR = PROJECT_ROOT / "data" / "catalog" / "situations"
MIN_WORDINGS = 3


@dataclass(frozen=True)
class ProcedureSituations:
    code: str
    field: str  # the citizens' field this file is about ("hộ tịch", "đất đai")
    wordings: tuple[str, ...]


@dataclass(frozen=True)
class SiblingChoice:
    answer: str  # the button's text: what the citizen says about their case ("Thẻ bị mất")
    code: str


@dataclass(frozen=True)
class SiblingQuestion:
    question: str  # the one question that tells the procedures apart
    choices: tuple[SiblingChoice, ...]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(choice.code for choice in self.choices)


@dataclass(frozen=True)
class SituationData:
    procedures: tuple[ProcedureSituations, ...]
    siblings: tuple[SiblingQuestion, ...]

    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(entry.field for entry in self.procedures))

    def by_code(self) -> dict[str, list[ProcedureSituations]]:
        grouped: dict[str, list[ProcedureSituations]] = {}
        for entry in self.procedures:
            grouped.setdefault(entry.code, []).append(entry)
        return grouped

    def question_for(self, codes: Iterable[str]) -> SiblingQuestion | None:
        """The sibling question whose choices include the most of `codes` (at least two of them)."""
        wanted = set(codes)
        best, overlap = None, 1
        for sibling in self.siblings:
            shared = len(sibling.codes & wanted)
            if shared > overlap:
                best, overlap = sibling, shared
        return best


class SituationError(ValueError):
    pass


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SituationError(f"{where}: expected a non-empty text, got {value!r}")
    return " ".join(value.split())


def parse_file(path: Path) -> SituationData:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    except yaml.YAMLError as error:
        raise SituationError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise SituationError(f"{path.name}: expected a mapping with 'field', 'procedures', 'siblings'")
    field = _text(document.get("field"), f"{path.name}: field")
    procedures = []
    for index, entry in enumerate(document.get("procedures") or ()):
        where = f"{path.name}: procedures[{index}]"
        if not isinstance(entry, dict):
            raise SituationError(f"{where}: expected a mapping with 'code' and 'situations'")
        code = _text(str(entry.get("code", "")), f"{where}.code")
        wordings = tuple(
            dict.fromkeys(_text(w, f"{where} ({code}).situations") for w in entry.get("situations") or ())
        )
        if len(wordings) < MIN_WORDINGS:
            raise SituationError(f"{where} ({code}): at least {MIN_WORDINGS} situations are needed")
        procedures.append(ProcedureSituations(code, field, wordings))
    siblings = []
    for index, entry in enumerate(document.get("siblings") or ()):
        where = f"{path.name}: siblings[{index}]"
        if not isinstance(entry, dict):
            raise SituationError(f"{where}: expected a mapping with 'question' and 'choices'")
        choices = tuple(
            SiblingChoice(
                _text(choice.get("answer"), f"{where}.choices.answer"),
                _text(str(choice.get("code", "")), f"{where}.choices.code"),
            )
            for choice in entry.get("choices") or ()
            if isinstance(choice, dict)
        )
        if len(choices) < 2 or len({choice.code for choice in choices}) != len(choices):
            raise SituationError(f"{where}: at least two choices, each for a different code")
        siblings.append(SiblingQuestion(_text(entry.get("question"), f"{where}.question"), choices))
    return SituationData(tuple(procedures), tuple(siblings))


def load(paths: Sequence[Path] | None = None) -> SituationData:
    files = sorted(SITUATIONS_DIR.glob("*.yml")) if paths is None else list(paths)
    parts = [parse_file(path) for path in files]
    return SituationData(
        tuple(entry for part in parts for entry in part.procedures),
        tuple(sibling for part in parts for sibling in part.siblings),
    )


def unknown_codes(data: SituationData, known: Iterable[str]) -> list[str]:
    codes = set(known)
    used = [entry.code for entry in data.procedures]
    used += [choice.code for sibling in data.siblings for choice in sibling.choices]
    return sorted({code for code in used if code not in codes})


@lru_cache(maxsize=1)
def default_situations() -> SituationData:
    return load()


def main(argv: Sequence[str]) -> int:
    from bot.catalog.store import default_catalog

    if not argv or argv[0] != "check":
        print("usage: python -m bot.catalog.situations check [FILE ...]", file=sys.stderr)
        return 2
    paths = [Path(arg) for arg in argv[1:]] or sorted(SITUATIONS_DIR.glob("*.yml"))
    failed = False
    for path in paths:
        try:
            data = parse_file(path)
        except (OSError, SituationError) as error:
            print(f"ERROR {error}", file=sys.stderr)
            failed = True
            continue
        unknown = unknown_codes(data, (procedure.code for procedure in default_catalog()))
        if unknown:
            print(f"ERROR {path.name}: codes not in the catalogue: {', '.join(unknown)}", file=sys.stderr)
            failed = True
        codes = [entry.code for entry in data.procedures]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            print(f"ERROR {path.name}: procedures listed twice: {', '.join(repeated)}", file=sys.stderr)
            failed = True
        wordings = sum(len(entry.wordings) for entry in data.procedures)
        print(
            f"{path.name}: {len(data.procedures)} procedures, {wordings} situations, "
            f"{len(data.siblings)} sibling questions"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
