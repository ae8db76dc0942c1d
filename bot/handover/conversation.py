"""The citizen's side of a handover, channel-free: asking for an officer queues the conversation in office
hours (its place and estimated wait), or out of hours takes a message and a callback number, one question
at a time; the bot then relays nothing itself (the connectors hand a held conversation's messages to the
officer: bot/handover/desk.py `relay`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.handover import messages
from bot.handover.desk import HandoverDesk
from bot.replies import Button, Reply
from bot.sms.providers import normalize_phone

MESSAGE, PHONE = "message", "phone"
CANCEL_INTENTS = ("cancel", "deny", "cancel_handover")
MAX_MESSAGE_CHARS = 1000

CANCEL_WAITING = Button(messages.CANCEL_WAITING_BUTTON, "/cancel_handover")
KEEP_NO_MESSAGE = Button(messages.KEEP_NO_MESSAGE_BUTTON, "/cancel_handover")
LEAVE_MESSAGE = Button(messages.LEAVE_MESSAGE_BUTTON, "/request_human")
SEE_OFFICER = Button(messages.SEE_OFFICER_BUTTON, "/request_human")


def after(preface: str, text: str) -> str:
    """`text` following `preface` in one message, without a second "Dạ," ("Dạ, em vẫn chưa hiểu… Em đã…")."""
    if not preface:
        return text
    rest = text.removeprefix("Dạ, ")
    return f"{preface} {rest[:1].upper()}{rest[1:]}"


@dataclass(frozen=True)
class CallbackState:
    """Kept in the `handover_state` slot while a message for the officers is being taken."""

    step: str
    department_code: str | None
    topic: str
    message: str = ""
    opened_by: str | None = None  # the message that asked for an officer is not the message to leave

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallbackState:
        return cls(
            **{key: data.get(key) for key in ("step", "department_code", "topic", "opened_by")},
            message=str(data.get("message") or ""),
        )


@dataclass(frozen=True)
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    state: CallbackState | None = None  # None: nothing more to ask


class HandoverTurns:
    def __init__(self, desk: HandoverDesk) -> None:
        self.desk = desk

    def start(
        self,
        channel: str,
        sender_id: str,
        department_code: str | None,
        topic: str,
        reason: str,
        opened_by: str | None = None,
        preface: str = "",
    ) -> Outcome:
        if self.desk.is_open():
            ticket = self.desk.request(channel, sender_id, department_code, topic, reason)
            buttons = (CANCEL_WAITING,) if ticket.position else ()
            return Outcome([Reply(after(preface, ticket.message), buttons=buttons)])
        state = CallbackState(MESSAGE, department_code, topic, opened_by=opened_by)
        first = Reply(after(preface, self.desk.out_of_hours_message()))
        return Outcome([first, Reply(messages.ASK_MESSAGE, (KEEP_NO_MESSAGE,))], state)

    def offer_after_misunderstanding(
        self, channel: str, sender_id: str, department_code: str | None, topic: str, opened_by: str | None
    ) -> Outcome:
        """The second message in a row the bot did not understand: an officer, now or by a message."""
        if self.desk.is_open():
            return self.start(
                channel,
                sender_id,
                department_code,
                topic,
                "fallbacks",
                opened_by,
                preface=messages.STILL_NOT_UNDERSTOOD,
            )
        text = after(messages.STILL_NOT_UNDERSTOOD, self.desk.out_of_hours_message())
        return Outcome([Reply(text, buttons=(LEAVE_MESSAGE,))])

    def handle(self, state: CallbackState, text: str, intent: str, channel: str, sender_id: str) -> Outcome:
        if intent in CANCEL_INTENTS:
            return Outcome([Reply(messages.CALLBACK_CANCELLED)])
        text = text.strip()
        if state.step == MESSAGE:
            if not text or text.startswith("/"):
                return Outcome([Reply(messages.EMPTY_MESSAGE, (KEEP_NO_MESSAGE,))], state)
            asked = CallbackState(PHONE, state.department_code, state.topic, text[:MAX_MESSAGE_CHARS])
            return Outcome([Reply(messages.ASK_PHONE, (KEEP_NO_MESSAGE,))], asked)
        try:
            phone = normalize_phone(text)
        except ValueError:
            return Outcome([Reply(messages.BAD_PHONE.format(phone=text[:20]), (KEEP_NO_MESSAGE,))], state)
        answer = self.desk.leave_message(
            channel, sender_id, state.department_code, state.topic, state.message, phone
        )
        return Outcome([Reply(answer)])

    def cancel(self, channel: str, sender_id: str) -> Reply:
        cancelled = self.desk.cancel(channel, sender_id)
        return Reply(messages.LEFT_QUEUE if cancelled else messages.NOT_WAITING)
