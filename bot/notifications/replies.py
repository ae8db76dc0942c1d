"""How a dossier update reads in the chat: its text, with a button to see the dossier's full status."""

from __future__ import annotations

from bot.dossiers.status_lookup import find_code, status_payload
from bot.replies import Button, Reply


def update_reply(text: str) -> Reply:
    code = find_code(text)
    buttons = (Button("Xem tình trạng hồ sơ", status_payload(code)),) if code else ()
    return Reply(text, buttons, dossier_update=code or "")
