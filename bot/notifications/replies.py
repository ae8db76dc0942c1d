"""How a dossier update reads in the chat: its text, with a button to see the dossier's full status; and the
tag (the outbox row's id, in the message's `custom.dvc`) by which a delivered update is recognised in the
saved conversation or in a platform output channel."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.dossiers.status_lookup import find_code, status_payload
from bot.feedback.ratings import rating_buttons
from bot.replies import Button, Reply, to_rasa

TAG = "notification"  # key in custom.dvc


def update_reply(text: str, rate: str = "") -> Reply:
    """The update; under it, the rating buttons when the message ends something the citizen may rate (a
    finished dossier, a live chat: `rate` is "<subject>|<reference>"), else "see the dossier's status"."""
    code = find_code(text)
    subject, _, reference = rate.partition("|")
    if subject and reference:
        buttons = rating_buttons(subject, reference)
    else:
        buttons = (Button("Xem tình trạng hồ sơ", status_payload(code)),) if code else ()
    return Reply(text, buttons, dossier_update=code or "")


def update_message(notification_id: int, text: str, rate: str = "") -> dict[str, Any]:
    """Keyword arguments for Rasa's `utter_message`: the update, tagged with its outbox row."""
    message = to_rasa(update_reply(text, rate))
    message.setdefault("custom", {}).setdefault("dvc", {})[TAG] = notification_id
    return message


def tag_of(message: Mapping[str, Any]) -> int | None:
    """The outbox row a message (as an output channel gets it, or a bot event's `data`) delivers, if any."""
    tag = ((message.get("custom") or {}).get("dvc") or {}).get(TAG)
    return tag if isinstance(tag, int) else None


def said_in(events: Iterable[Mapping[str, Any]], notification_id: int) -> bool:
    """Whether a conversation's events (Rasa's tracker) already hold the update."""
    return any(
        event.get("event") == "bot" and tag_of(event.get("data") or {}) == notification_id for event in events
    )
