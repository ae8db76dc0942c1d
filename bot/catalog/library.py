"""The procedures the bot knows: the national catalogue plus the commune's imported procedures, and the
search over both. An import (bot/catalog/local_procedures.py) is noticed at the next question, in every
process, without a restart: the search is rebuilt then (a few seconds, once). So is an approved citizen
wording (bot/analytics/wordings.py): a learned-wordings source's situations join the situation data.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.catalog import local_procedures
from bot.catalog.fields import field_of_each
from bot.catalog.model import Procedure
from bot.catalog.outside import OutsideTopic, default_topics
from bot.catalog.ranking import ProcedureRanker, Signals
from bot.catalog.search import Lexicon, ProcedureSearch, SearchResult
from bot.catalog.semantic import Embedder
from bot.catalog.situations import ProcedureSituations, SituationData, default_situations
from bot.catalog.store import Catalog, default_catalog
from bot.settings import SearchSettings, Settings

CHECK_EVERY_SECONDS = 1.0
log = logging.getLogger(__name__)


class LearnedWordings(Protocol):
    """Wordings learned after the data files were written (bot/analytics/wordings.py WordingReview)."""

    def signature(self) -> Hashable:
        """Cheap; changes whenever `situations()` would."""
        ...

    def situations(self) -> tuple[ProcedureSituations, ...]: ...


@dataclass(frozen=True)
class _Built:
    signature: tuple  # (the local procedures' signature, the learned wordings')
    catalog: Catalog
    ranker: ProcedureRanker
    learned: tuple[ProcedureSituations, ...]  # kept for a rebuild while the learned source is unreachable


def with_learned(
    situations: SituationData, learned: Sequence[ProcedureSituations], procedures: Sequence[Procedure]
) -> SituationData:
    """The situation data with the learned wordings of the procedures in `procedures`: a described
    procedure's entry gets them (its field stays); another gets an entry in the field it already has."""
    known = {procedure.code for procedure in procedures}
    learned = [entry for entry in learned if entry.code in known and entry.wordings]
    if not learned:
        return situations
    entries = list(situations.procedures)
    first: dict[str, int] = {}
    for index, entry in enumerate(entries):
        first.setdefault(entry.code, index)
    fields: dict[str, str] | None = None
    for entry in learned:
        if entry.code in first:
            index = first[entry.code]
            wordings = tuple(dict.fromkeys(entries[index].wordings + entry.wordings))
            entries[index] = replace(entries[index], wordings=wordings)
            continue
        if fields is None:
            codes = [procedure.code for procedure in procedures]
            fields = dict(zip(codes, field_of_each(procedures, situations), strict=True))
        first[entry.code] = len(entries)
        entries.append(ProcedureSituations(entry.code, fields[entry.code], entry.wordings))
    return replace(situations, procedures=tuple(entries))


class ProcedureLibrary:
    def __init__(
        self,
        national: Catalog,
        lexicon: Lexicon,
        situations: SituationData,
        topics: tuple[OutsideTopic, ...],
        settings: SearchSettings,
        home_level: str,
        signals: Signals | None = None,
        learned: LearnedWordings | None = None,
    ) -> None:
        self._national = national
        self._lexicon = lexicon
        self._situations = situations
        self._topics = topics
        self._settings = settings
        self._home_level = home_level
        self._signals = signals or Signals(semantic=settings.semantic)
        self._embedder = Embedder() if self._signals.semantic else None
        self._lock = threading.Lock()
        self._learned = learned
        self._learned_failing = False
        self._checked = 0.0
        self._built = self._build(self._signature(None), None)

    def _signature(self, built: _Built | None) -> tuple:
        """The local procedures' and the learned wordings' signatures; while the learned source fails, the
        last build's (None before any success, so that the first success rebuilds)."""
        local = local_procedures.signature(self._settings.local_procedures_dir)
        previous = built.signature[1] if built else None
        if self._learned is None:
            return (local, previous)
        try:
            learned = self._learned.signature()
        except SQLAlchemyError as error:
            self._learned_unreachable(error)
            return (local, previous)
        self._learned_failing = False
        return (local, learned)

    def _learned_unreachable(self, error: Exception) -> None:
        if not self._learned_failing:  # once, not at every question
            log.warning("Learned citizen wordings unreadable, the search keeps the last ones: %s", error)
        self._learned_failing = True

    def _build(self, signature: tuple, built: _Built | None) -> _Built:
        local = local_procedures.load_all(
            self._settings.local_procedures_dir, (procedure.code for procedure in self._national)
        )
        procedures = [*self._national, *local.procedures]
        learned = built.learned if built else ()
        if self._learned is not None and signature[1] != (built.signature[1] if built else None):
            try:
                learned = self._learned.situations()
            except SQLAlchemyError as error:
                self._learned_unreachable(error)
                signature = (signature[0], built.signature[1] if built else None)
        situations = replace(
            self._situations, procedures=self._situations.procedures + local.situations.procedures
        )
        situations = with_learned(situations, learned, procedures)
        lexical = ProcedureSearch(procedures, self._lexicon, self._home_level)
        ranker = ProcedureRanker(
            lexical, situations, self._topics, self._embedder, self._settings.cache_dir, self._signals
        )
        return _Built(signature, Catalog(procedures), ranker, learned)

    def _current(self) -> _Built:
        now = time.monotonic()
        if now - self._checked >= CHECK_EVERY_SECONDS:
            with self._lock:
                self._checked = now
                signature = self._signature(self._built)
                if signature != self._built.signature:
                    self._built = self._build(signature, self._built)
        return self._built

    # -- what the assistant needs of a catalogue and a search ------------------------------------------

    @property
    def ranker(self) -> ProcedureRanker:
        return self._current().ranker

    def get(self, code: str) -> Procedure | None:
        return self._current().catalog.get(code)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._current().catalog)

    def __len__(self) -> int:
        return len(self._current().catalog)

    def search(self, query: str, limit: int = 5) -> SearchResult:
        return self._current().ranker.search(query, limit)

    def names_a_procedure(self, message: str) -> bool:
        return self._current().ranker.names_a_procedure(message)


def build_library(
    settings: Settings, signals: Signals | None = None, learned: LearnedWordings | None = None
) -> ProcedureLibrary:
    """The national catalogue with the data files of data/catalog/, the commune's imports and, given a
    source (bot/services.py passes the database's), the approved citizen wordings."""
    return ProcedureLibrary(
        default_catalog(),
        Lexicon.load(),
        default_situations(),
        default_topics(),
        settings.search,
        settings.home_level,
        signals,
        learned,
    )


def main() -> None:
    """`make train`: build the search now, so that new wordings are embedded now, not at start-up."""
    from bot.settings import load_settings

    build_library(load_settings())


if __name__ == "__main__":
    main()
