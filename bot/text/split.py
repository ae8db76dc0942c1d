"""Split a long message for a chat platform's length limit, on the most natural boundary that fits."""

from __future__ import annotations

# (separator, what joins two pieces again): paragraphs first, then lines, sentences, clauses, words.
_BOUNDARIES = (("\n\n", "\n\n"), ("\n", "\n"), (". ", " "), ("; ", " "), (", ", " "), (" ", " "))


def split_message(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut between paragraphs where possible, never inside a word
    (unless one word alone is longer than the limit)."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    boundary = next(((sep, joiner) for sep, joiner in _BOUNDARIES if sep in text), None)
    if boundary is None:
        return [text[start : start + limit] for start in range(0, len(text), limit)]
    separator, joiner = boundary
    kept = separator.strip()  # the full stop or comma stays with the sentence it ends
    parts = text.split(separator)
    parts = [part + kept for part in parts[:-1]] + [parts[-1]]
    pieces: list[str] = []
    current = ""
    for part in parts:
        for piece in [part] if len(part) <= limit else split_message(part, limit):
            candidate = f"{current}{joiner}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                pieces.append(current)
                current = piece
    pieces.append(current)
    return [piece.strip() for piece in pieces if piece.strip()]
