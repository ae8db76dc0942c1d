"""What the assistant says, independent of any chat channel: text, buttons, links and files.

The domain builds `Reply` objects; Rasa actions hand them to Rasa with `to_rasa`; each channel connector gets
them back with `from_rasa` and renders them within its own limits (bot/channels/render.py). A button's payload
is built by `intent_payload`, never by hand, so its JSON is always valid whatever the entity values hold, and
as short as it can be.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

POSTBACK = "postback"  # pressing it sends its payload as the citizen's message
SHARE_PHONE = (
    "share_phone"  # asks the channel for the citizen's own phone number (Telegram contact, Zalo info)
)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str
    kind: str = POSTBACK


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class File:
    url: str
    filename: str
    content_type: str = "application/pdf"


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    links: tuple[Link, ...] = field(default_factory=tuple)
    files: tuple[File, ...] = field(default_factory=tuple)
    # The code of the dossier this message is an update about: a channel that cannot reach the citizen in
    # the chat any more may send it by SMS to the dossier's phone instead.
    dossier_update: str = ""


SHARE_PHONE_BUTTON = Button("Chia sẻ số điện thoại", "/phone_shared", SHARE_PHONE)


def intent_payload(intent: str, **entities: Any) -> str:
    """'/intent{"entity":"value"}', the form Rasa reads from a button as an intent with entities.

    Every payload the bot builds comes from here. Compact JSON, and letters as themselves rather than \\u
    escapes: Telegram allows 64 bytes of callback_data counted in UTF-8, where "ộ" takes 3 bytes but its
    escape 6. A payload still longer than a platform allows is swapped for a short token when rendered
    (bot/channels/render.py), so measure in bytes (`payload_bytes`), never in characters.
    """
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def payload_bytes(payload: str) -> int:
    """The size a chat platform counts: UTF-8 bytes."""
    return len(payload.encode("utf-8"))


def to_rasa(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for Rasa's `dispatcher.utter_message`: text and buttons as Rasa knows them (so the
    REST channel and the web widget read them as before), links and files in the `custom` part."""
    message: dict[str, Any] = {"text": reply.text}
    message["buttons"] = [
        {"title": b.title, "payload": b.payload, **({"type": b.kind} if b.kind != POSTBACK else {})}
        for b in reply.buttons
    ]
    extras = {}
    if reply.links:
        extras["links"] = [{"title": link.title, "url": link.url} for link in reply.links]
    if reply.files:
        extras["files"] = [
            {"url": f.url, "filename": f.filename, "content_type": f.content_type} for f in reply.files
        ]
    if reply.dossier_update:
        extras["dossier_update"] = reply.dossier_update
    if extras:
        message["custom"] = {"dvc": extras}
    return message


def from_rasa(message: dict[str, Any]) -> Reply:
    """The Reply behind one message Rasa hands to an output channel (also plain responses from domain.yml,
    whose buttons carry only title and payload, and quick replies)."""
    buttons = tuple(
        Button(str(b.get("title", "")), str(b.get("payload", "")), str(b.get("type") or POSTBACK))
        for b in (message.get("buttons") or message.get("quick_replies") or [])
        if isinstance(b, dict) and b.get("title")
    )
    extras = (message.get("custom") or {}).get("dvc") or {}
    links = tuple(Link(item["title"], item["url"]) for item in extras.get("links", []))
    files = tuple(
        File(item["url"], item["filename"], item["content_type"]) for item in extras.get("files", [])
    )
    image = message.get("image")
    if image:
        files += (File(str(image), "anh", "image/jpeg"),)
    text = str(message.get("text") or "")
    return Reply(text, buttons, links, files, str(extras.get("dossier_update") or ""))
