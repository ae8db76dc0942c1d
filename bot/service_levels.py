"""Online public service levels: which one a citizen is asking about.

Two vocabularies coexist (GUIDE §1): the four levels of Decree 43/2011 and Circular 26/2009, and since
Decree 42/2022/NĐ-CP the classes "toàn trình" (fully online, ≈ level 4) and "một phần" (partly online,
≈ level 3 and below). The explanations themselves are responses in domain.yml (content, not code).
"""

from __future__ import annotations

import re

from bot.text.normalize import fold

LEVELS = ("1", "2", "3", "4")
FULLY_ONLINE = "toan_trinh"
PARTLY_ONLINE = "mot_phan"
KNOWN = (*LEVELS, FULLY_ONLINE, PARTLY_ONLINE)

_NUMBER_WORDS = {"mot": "1", "hai": "2", "ba": "3", "bon": "4", "tu": "4"}
_LEVEL_WORDS = r"(?:muc(?:\s*do)?|md|level|cap\s*do|lv)\s*(\d|mot|hai|ba|bon|tu)\b"
_LEVEL_NUMBER = re.compile(_LEVEL_WORDS)


def resolve_level(mention: str | None) -> str | None:
    """Map what the citizen wrote ("mức độ 4", "md3", "toan trinh", "1 phần", "4") to a key of KNOWN."""
    if not mention:
        return None
    text = fold(mention).replace("_", " ")
    if text in KNOWN:
        return text
    if "toan trinh" in text:
        return FULLY_ONLINE
    if re.search(r"\b(mot|1)\s*phan\b", text):
        return PARTLY_ONLINE
    match = _LEVEL_NUMBER.search(text) or re.fullmatch(r"\s*(\d)\s*", text)
    if match:
        number = _NUMBER_WORDS.get(match.group(1), match.group(1))
        return number if number in LEVELS else None
    return None


_ANY_MENTION = re.compile(
    rf"(?P<full>toan\s*trinh)|(?P<part>\b(?:mot|1)\s*phan\b)|(?P<number>{_LEVEL_WORDS})"
)


def levels_mentioned(message: str) -> list[str]:
    """Every level named anywhere in a message, in order, once each (when entity extraction missed it)."""
    found: list[str] = []
    for match in _ANY_MENTION.finditer(fold(message)):
        if match.group("full"):
            level = FULLY_ONLINE
        elif match.group("part"):
            level = PARTLY_ONLINE
        else:
            level = resolve_level(match.group(0))
        if level and level not in found:
            found.append(level)
    return found


def response_name(level: str | None) -> str:
    """The domain.yml response that explains `level` (the overview when it is unknown)."""
    return f"utter_service_level_{level}" if level in KNOWN else "utter_service_levels_overview"
