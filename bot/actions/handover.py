"""A person when the bot cannot help: thin adapters from Rasa to bot/handover (the queue, office hours and the
message left out of hours). While an officer holds the conversation the connectors hand the citizen's
messages to the officer and Rasa never sees them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import say_replies, typed_text
from bot.actions.off_loop import OffLoopAction, off_loop
from bot.handover.conversation import CallbackState, HandoverTurns, Outcome
from bot.handover.routing import department_for
from bot.replies import to_rasa
from bot.services import services

FINISHED_VALUE = "finished"  # handover_input value that ends the message-taking loop


def turns() -> HandoverTurns:
    return HandoverTurns(services().handover_desk)


def conversation(tracker: Tracker) -> tuple[str, str]:
    return tracker.get_latest_input_channel() or "rest", tracker.sender_id


def department_and_topic(tracker: Tracker) -> tuple[str | None, str]:
    """The department that fits the procedure under discussion, and its name for the officer."""
    code = tracker.get_slot("procedure_code")
    procedure = services().library.get(code) if code else None
    return department_for(procedure), (f"{procedure.name} ({procedure.code})" if procedure else "")


def outcome_events(dispatcher: CollectingDispatcher, outcome: Outcome) -> list[dict[str, Any]]:
    say_replies(dispatcher, outcome.replies)
    return [
        SlotSet("handover_state", outcome.state.to_dict() if outcome.state else None),
        SlotSet("handover_input", None if outcome.state else FINISHED_VALUE),
    ]


class ActionRequestOfficer(OffLoopAction):
    """ "gặp cán bộ", or the button: the queue in office hours, a message and a number out of them."""

    def name(self) -> str:
        return "action_request_officer"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        channel, sender = conversation(tracker)
        department, topic = department_and_topic(tracker)
        reason = "asked" if typed_text(tracker) else "button"  # typed "gặp cán bộ", or a button
        opened_by = tracker.latest_message.get("message_id")
        outcome = turns().start(channel, sender, department, topic, reason, opened_by)
        return outcome_events(dispatcher, outcome)


def offer_officer(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """After two messages in a row the bot did not understand: the queue now, or a message out of hours."""
    channel, sender = conversation(tracker)
    department, topic = department_and_topic(tracker)
    outcome = turns().offer_after_misunderstanding(
        channel, sender, department, topic, tracker.latest_message.get("message_id")
    )
    say_replies(dispatcher, outcome.replies)
    return []


class ActionCancelHandover(OffLoopAction):
    def name(self) -> str:
        return "action_cancel_handover"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(**to_rasa(turns().cancel(*conversation(tracker))))
        return [SlotSet("handover_state", None)]


class ValidateHandoverForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handover_form"

    async def validate_handover_input(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await off_loop(self.answer, value, dispatcher, tracker)

    def answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        saved = tracker.get_slot("handover_state")
        if not saved or value == FINISHED_VALUE:
            return {"handover_input": FINISHED_VALUE}
        state = CallbackState.from_dict(saved)
        if state.opened_by is not None and state.opened_by == tracker.latest_message.get("message_id"):
            return {"handover_input": None}  # the request itself is not the message to leave
        intent = tracker.latest_message.get("intent", {}).get("name") or ""
        outcome = turns().handle(state, str(value), intent, *conversation(tracker))
        return {event["name"]: event["value"] for event in outcome_events(dispatcher, outcome)}


class ActionAskHandoverInput(OffLoopAction):
    """The form loop's question: already said by bot/handover/conversation.py."""

    def name(self) -> str:
        return "action_ask_handover_input"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return []
