"""The procedures the bot knows: the national catalogue plus the commune's imported procedures, and the
search over both. An import (bot/catalog/local_procedures.py) is noticed at the next question, in every
process, without a restart: the search is rebuilt then (a few seconds, once).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

from bot.catalog import local_procedures
from bot.catalog.model import Procedure
from bot.catalog.outside import OutsideTopic, default_topics
from bot.catalog.ranking import ProcedureRanker, Signals
from bot.catalog.search import Lexicon, ProcedureSearch, SearchResult
from bot.catalog.semantic import Embedder
from bot.catalog.situations import SituationData, default_situations
from bot.catalog.store import Catalog, default_catalog
from bot.settings import SearchSettings, Settings

CHECK_EVERY_SECONDS = 1.0


@dataclass(frozen=True)
class _Built:
    signature: tuple
    catalog: Catalog
    ranker: ProcedureRanker


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
        self._checked = 0.0
        self._built = self._build(local_procedures.signature(settings.local_procedures_dir))

    def _build(self, signature: tuple) -> _Built:
        local = local_procedures.load_all(
            self._settings.local_procedures_dir, (procedure.code for procedure in self._national)
        )
        procedures = [*self._national, *local.procedures]
        situations = replace(
            self._situations, procedures=self._situations.procedures + local.situations.procedures
        )
        lexical = ProcedureSearch(procedures, self._lexicon, self._home_level)
        ranker = ProcedureRanker(
            lexical, situations, self._topics, self._embedder, self._settings.cache_dir, self._signals
        )
        return _Built(signature, Catalog(procedures), ranker)

    def _current(self) -> _Built:
        now = time.monotonic()
        if now - self._checked >= CHECK_EVERY_SECONDS:
            with self._lock:
                self._checked = now
                signature = local_procedures.signature(self._settings.local_procedures_dir)
                if signature != self._built.signature:
                    self._built = self._build(signature)
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


def build_library(settings: Settings, signals: Signals | None = None) -> ProcedureLibrary:
    """The national catalogue with the data files of data/catalog/ and the commune's imports."""
    return ProcedureLibrary(
        default_catalog(),
        Lexicon.load(),
        default_situations(),
        default_topics(),
        settings.search,
        settings.home_level,
        signals,
    )


def main() -> None:
    """`make train`: build the search now, so that new wordings are embedded now, not at start-up."""
    from bot.settings import load_settings

    build_library(load_settings())


if __name__ == "__main__":
    main()
