"""How a dossier update reads in the chat: its text, with a button to see the dossier's full status."""

from __future__ import annotations

from bot.catalog.answers import Button, Reply
from bot.dossiers.status_lookup import find_code, status_payload


def update_reply(text: str) -> Reply:
    code = find_code(text)
    return Reply(text, (Button("Xem tình trạng hồ sơ", status_payload(code)),) if code else ())
