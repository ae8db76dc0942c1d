"""Hostile input for the property tests and the endpoint fuzz pass: arbitrary JSON, well-formed documents
with one part replaced by a value of the wrong type, and the strings attackers and broken clients send."""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

from hypothesis import strategies as st

_VOWELS = "aăâeêioôơuưy"
TONE_MARKS = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # none, huyền, sắc, ngã, hỏi, nặng
_LOWER = sorted(
    {unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in TONE_MARKS}
    | set("bcdđghklmnpqrstvx")
)
VIETNAMESE_LETTERS = "".join(_LOWER) + "".join(letter.upper() for letter in _LOWER)

SCRIPT = "<script>alert('dvc')</script>"
# What ends up in a field: markup, SQL, paths, control characters, odd Unicode, very long text.
NASTY_STRINGS = (
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1' --",
    "1; DROP TABLE dossiers; --",
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "C:\\Windows\\system.ini",
    "tep\x00.pdf",
    "\x00",
    "\r\nSet-Cookie: a=b",
    "\u202egnp.exe",
    "\ud800",
    "\ufeff\u200b",
    "%00%2e%2e%2f",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "x" * 5000,
    "ệ" * 300,
)
# The same, as text that can be encoded in UTF-8 (no lone surrogate): what a signature can be computed over.
UTF8_NASTY_STRINGS = tuple(
    text for text in NASTY_STRINGS if not any("\ud800" <= char <= "\udfff" for char in text)
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(NASTY_STRINGS),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(document: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON document (the root included) where a value could be replaced."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw, document: Any) -> Any:
    """`document` with one value (anywhere, the root too) replaced by arbitrary JSON, or one key dropped."""
    paths = _paths(document)
    path = draw(st.sampled_from(paths))
    replacement = draw(json_values)
    if not path:
        return replacement
    copied = copy.deepcopy(document)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copied
