"""A catalogue ten times the real one, for the growth benchmarks: made-up names that grow the vocabulary and
postings as a larger real catalogue would, their situation wordings, and vectors for them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bot.catalog.model import Procedure
from bot.catalog.semantic import DIMENSIONS, VectorCache, text_key
from bot.catalog.situations import SituationData


class SyntheticVectors(VectorCache):
    """The real vectors of texts already embedded; for the synthetic catalogue's new names, fixed random unit
    vectors (embedding 26,000 made-up names would take half an hour and measure nothing more: the search
    multiplies whatever vectors it holds)."""

    def __init__(self, known: VectorCache) -> None:
        super().__init__(known.path.parent, known.embedder)
        self._known = known._stored()

    def vectors(self, texts):
        random = np.random.default_rng(0)
        rows = []
        for text in texts:
            vector = self._known.get(text_key(text))
            if vector is None:
                vector = random.standard_normal(DIMENSIONS).astype(np.float32)
                vector /= np.linalg.norm(vector)
            rows.append(np.asarray(vector, dtype=np.float32))
        return np.stack(rows)


def synthetic_situations(situations: SituationData, copies: int) -> SituationData:
    """The situation wordings of each synthetic copy of a procedure (as synthetic_catalogue names them)."""
    entries = tuple(
        replace(entry, code=f"{entry.code}-{copy}")
        for copy in range(copies)
        for entry in situations.procedures
    )
    return SituationData(entries, ())


def synthetic_catalogue(procedures: list[Procedure], copies: int) -> list[Procedure]:
    """`copies` × the catalogue: each name again with words of another procedure's name mixed in, so the
    vocabulary and the postings grow as a larger real catalogue's would."""
    names = [procedure.name.split() for procedure in procedures]
    synthetic = []
    for copy in range(copies):
        for index, procedure in enumerate(procedures):
            donor = names[(index * 7 + copy * 13) % len(names)]
            words = names[index] + donor[copy % 3 : copy % 3 + 3] if copy else names[index]
            synthetic.append(
                Procedure(f"{procedure.code}-{copy}", " ".join(words), procedure.portal_url, procedure.levels)
            )
    return synthetic
