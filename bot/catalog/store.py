"""Load the parsed catalogue (data/catalog/procedures.jsonl.gz, made by `make catalog`)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from bot.catalog.model import Procedure
from bot.settings import PROJECT_ROOT

CATALOG_PATH = PROJECT_ROOT / "data" / "catalog" / "procedures.jsonl.gz"


class Catalog:
    def __init__(self, procedures: list[Procedure]) -> None:
        self.procedures = procedures
        self._by_code = {procedure.code: procedure for procedure in procedures}

    def __len__(self) -> int:
        return len(self.procedures)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self.procedures)

    def get(self, code: str) -> Procedure | None:
        return self._by_code.get(code.strip())


def read_catalog(path: Path = CATALOG_PATH) -> Catalog:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return Catalog([Procedure.from_dict(json.loads(line)) for line in lines if line.strip()])


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return read_catalog()
