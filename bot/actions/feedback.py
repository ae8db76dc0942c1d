"""Ratings: thin adapters from Rasa to bot/feedback. A rating button records the rating; after a "chưa có ích"
(or "Góp ý thêm") the next message typed is the comment, taken by the one-slot feedback_form."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import say_replies, typed_text
from bot.actions.off_loop import OffLoopAction, off_loop
from bot.feedback.conversation import FeedbackOutcome, FeedbackTurns
from bot.feedback.ratings import ask_about_answer
from bot.replies import Reply
from bot.services import services

FINISHED_VALUE = "finished"  # feedback_input value that ends the comment loop


def turns() -> FeedbackTurns:
    return FeedbackTurns(services().feedback)


def conversation(tracker: Tracker) -> tuple[str, str]:
    return tracker.get_latest_input_channel() or "rest", tracker.sender_id


def outcome_events(
    dispatcher: CollectingDispatcher, outcome: FeedbackOutcome, opened_by: str | None = None
) -> list[dict[str, Any]]:
    say_replies(dispatcher, outcome.replies)
    if outcome.awaiting_comment is None:
        return [SlotSet("feedback_state", None), SlotSet("feedback_input", FINISHED_VALUE)]
    state = {"id": outcome.awaiting_comment, "opened_by": opened_by}
    return [SlotSet("feedback_state", state), SlotSet("feedback_input", None)]


def with_rating_prompt(replies: list[Reply], code: str | None, tracker: Tracker) -> list[dict[str, Any]]:
    """After the first answer about a procedure in a conversation, "có giúp ích không?" with two buttons."""
    asked = list(tracker.get_slot("feedback_asked") or [])
    if not code or code in asked:
        return []
    replies.append(ask_about_answer(code))
    return [SlotSet("feedback_asked", [*asked, code][-50:])]


class ActionRecordFeedback(OffLoopAction):
    def name(self) -> str:
        return "action_record_feedback"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        value = next(tracker.get_latest_entity_values("feedback"), None)
        outcome = turns().choose(*conversation(tracker), value)
        return outcome_events(dispatcher, outcome, tracker.latest_message.get("message_id"))


class ValidateFeedbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_feedback_form"

    async def validate_feedback_input(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await off_loop(self.answer, value, dispatcher, tracker)

    def answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        state = tracker.get_slot("feedback_state")
        if not isinstance(state, dict) or value == FINISHED_VALUE:
            return {"feedback_input": FINISHED_VALUE}
        if state.get("opened_by") and state["opened_by"] == tracker.latest_message.get("message_id"):
            return {"feedback_input": None}  # the rating button itself is not the comment
        outcome = turns().comment(int(state["id"]), *conversation(tracker), typed_text(tracker))
        return {event["name"]: event["value"] for event in outcome_events(dispatcher, outcome)}


class ActionAskFeedbackInput(OffLoopAction):
    """The form loop's question: already asked by action_record_feedback."""

    def name(self) -> str:
        return "action_ask_feedback_input"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return []
