"""Which dossier a citizen asks to submit: plain rules the start action applies."""

from __future__ import annotations

import re
from collections.abc import Container

from bot.catalog.search import ProcedureSearch
from bot.text.normalize import fold

# Words that say "submit", as opposed to asking about a procedure ("đăng ký kết hôn" alone is a question).
_SUBMIT_WORDS = re.compile(r"\b(nop|lam ho so|lap ho so|lam hs|dien|to khai|online|truc tuyen|gui ho so)\b")


def asks_to_submit(message: str) -> bool:
    return bool(_SUBMIT_WORDS.search(fold(message)))


def submittable_procedure(search: ProcedureSearch, submittable: Container[str], phrase: str) -> str | None:
    """The best-matching procedure the phrase names among those that have a form, if any."""
    if not phrase:
        return None
    matches = search.search(phrase, limit=10).matches
    return next((m.procedure.code for m in matches if m.procedure.code in submittable), None)
