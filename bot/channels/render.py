"""Replies rendered as platform API calls, within each platform's limits.

Telegram: text ≤ 4,096 characters, callback_data ≤ 64 bytes (UTF-8; Vietnamese letters take 2–3 bytes), one
keyboard per message. Zalo OA: text ≤ 2,000 characters, ≤ 5 buttons per message. Long text is split on
paragraph boundaries; buttons go under the last piece. A payload too long for a button is replaced by a
short token (bot/channels/records.py `ButtonPayloads`), returned in `Rendered.tokens` for the caller to store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.channels.records import ButtonPayloads
from bot.replies import POSTBACK, SHARE_PHONE, Button, Reply, payload_bytes
from bot.text.split import split_message

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CALLBACK_BYTES = 64
ZALO_TEXT_LIMIT = 2000
ZALO_BUTTONS_PER_MESSAGE = 5
ZALO_BUTTON_TITLE_LIMIT = 100
MORE_CHOICES = "Dạ, anh/chị chọn tiếp:"
SHARE_PHONE_SUBTITLE = "Zalo gửi số điện thoại của tài khoản này cho Ủy ban nhân dân xã để xác thực hồ sơ."


@dataclass
class Rendered:
    messages: list[dict[str, Any]] = field(default_factory=list)  # platform API calls, in order
    tokens: dict[str, str] = field(default_factory=dict)  # token -> payload, to store before sending

    def button_data(self, payload: str, max_bytes: int) -> str:
        if payload_bytes(payload) <= max_bytes:
            return payload
        token = ButtonPayloads.token_for(payload)
        self.tokens[token] = payload
        return token


def _pieces(reply: Reply, limit: int) -> list[str]:
    return split_message(reply.text, limit) or ([MORE_CHOICES] if reply.buttons or reply.links else [])


# -- Telegram -----------------------------------------------------------------------------------------


def render_telegram(reply: Reply, chat_id: str, rendered: Rendered | None = None) -> Rendered:
    """sendMessage / sendDocument calls (plain text, no parse mode: nothing to escape)."""
    out = rendered or Rendered()
    pieces = _pieces(reply, TELEGRAM_TEXT_LIMIT)
    postbacks = [b for b in reply.buttons if b.kind == POSTBACK]
    share = next((b for b in reply.buttons if b.kind == SHARE_PHONE), None)
    inline: list[list[dict[str, Any]]] = [
        [{"text": b.title, "callback_data": out.button_data(b.payload, TELEGRAM_CALLBACK_BYTES)}]
        for b in postbacks
    ] + [[{"text": link.title, "url": link.url}] for link in reply.links]
    markups: list[dict[str, Any] | None] = [None] * len(pieces)
    if share is not None:
        # A contact request needs a reply keyboard, which cannot share a message with inline buttons.
        markups[-1] = {
            "keyboard": [[{"text": share.title, "request_contact": True}]],
            "one_time_keyboard": True,
            "resize_keyboard": True,
        }
        if inline:
            pieces.append(MORE_CHOICES)
            markups.append({"inline_keyboard": inline})
    elif inline:
        markups[-1] = {"inline_keyboard": inline}
    for text, markup in zip(pieces, markups, strict=True):
        params: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if markup is not None:
            params["reply_markup"] = markup
        out.messages.append({"method": "sendMessage", "params": params})
    for file in reply.files:
        out.messages.append(
            {
                "method": "sendDocument",
                "params": {"chat_id": chat_id, "document": file.url, "caption": file.filename},
            }
        )
    return out


def telegram_button_title(reply_markup: dict[str, Any] | None, data: str) -> str | None:
    """The title of the inline button whose callback_data was pressed (to echo the choice)."""
    for row in (reply_markup or {}).get("inline_keyboard", []):
        for button in row:
            if button.get("callback_data") == data:
                return str(button.get("text"))
    return None


# -- Zalo OA ------------------------------------------------------------------------------------------


def _zalo_button(button: Button, out: Rendered) -> dict[str, Any]:
    title = button.title if len(button.title) <= ZALO_BUTTON_TITLE_LIMIT else button.title[:99].rstrip() + "…"
    # oa.query.hide: pressing it sends the payload as the citizen's message without showing it in the chat.
    return {"title": title, "type": "oa.query.hide", "payload": out.button_data(button.payload, 64)}


def render_zalo(
    reply: Reply, user_id: str, image_url: str = "", rendered: Rendered | None = None
) -> Rendered:
    """Bodies for POST /v3.0/oa/message/cs: text with at most 5 quick-reply buttons each; a phone request as
    Zalo's request_user_info card; files as links (Zalo sends files only after an upload)."""
    out = rendered or Rendered()
    pieces = _pieces(reply, ZALO_TEXT_LIMIT)
    buttons = [_zalo_button(b, out) for b in reply.buttons if b.kind == POSTBACK]
    buttons += [
        {"title": link.title[:ZALO_BUTTON_TITLE_LIMIT], "type": "oa.open.url", "payload": {"url": link.url}}
        for link in reply.links
    ]
    buttons += [
        {
            "title": f"Tải {file.filename}"[:ZALO_BUTTON_TITLE_LIMIT],
            "type": "oa.open.url",
            "payload": {"url": file.url},
        }
        for file in reply.files
    ]
    groups = [
        buttons[i : i + ZALO_BUTTONS_PER_MESSAGE] for i in range(0, len(buttons), ZALO_BUTTONS_PER_MESSAGE)
    ]
    pieces += [MORE_CHOICES] * max(0, len(groups) - 1)
    first_group_at = len(pieces) - len(groups)
    for index, text in enumerate(pieces):
        message: dict[str, Any] = {"text": text}
        if groups and index >= first_group_at:
            message["attachment"] = {
                "type": "template",
                "payload": {"buttons": groups[index - first_group_at]},
            }
        out.messages.append({"recipient": {"user_id": user_id}, "message": message})
    share = next((b for b in reply.buttons if b.kind == SHARE_PHONE), None)
    if share is not None:
        element = {"title": share.title, "subtitle": SHARE_PHONE_SUBTITLE, "image_url": image_url}
        out.messages.append(
            {
                "recipient": {"user_id": user_id},
                "message": {
                    "attachment": {
                        "type": "template",
                        "payload": {"template_type": "request_user_info", "elements": [element]},
                    }
                },
            }
        )
    return out
