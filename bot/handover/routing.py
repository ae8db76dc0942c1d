"""Which department takes a live chat: the procedure under discussion's field (lĩnh vực) looked up in
data/handover_departments.yml; no procedure, or a field listed nowhere, goes to the one-stop desk (None)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.catalog.model import Procedure
from bot.settings import PROJECT_ROOT

ROUTES_FILE = PROJECT_ROOT / "data" / "handover_departments.yml"


@lru_cache(maxsize=4)
def load_routes(path: Path = ROUTES_FILE) -> dict[str, str]:
    """Field name (case-folded) -> department code."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    routes: dict[str, str] = {}
    for code, fields in (data.get("departments") or {}).items():
        for name in fields or ():
            routes.setdefault(str(name).strip().casefold(), str(code))
    return routes


def department_for(procedure: Procedure | None, routes: dict[str, str] | None = None) -> str | None:
    if procedure is None:
        return None
    routes = load_routes() if routes is None else routes
    for name in procedure.fields:
        code = routes.get(name.strip().casefold())
        if code is not None:
            return code
    return None
