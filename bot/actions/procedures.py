"""Questions about procedures: thin adapters from Rasa intents and slots to bot.catalog.assistant."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import say_replies, typed_text
from bot.actions.feedback import with_rating_prompt
from bot.actions.handover import offer_officer
from bot.actions.off_loop import OffLoopAction
from bot.catalog import answers, misses
from bot.catalog.assistant import WHICH_PROCEDURE, ProcedureAssistant, Turn
from bot.services import services

ASPECT_BY_INTENT = {
    "ask_procedure": answers.OVERVIEW,
    "ask_documents": answers.DOCUMENTS,
    "ask_fee": answers.FEE,
    "ask_processing_time": answers.TIME,
    "ask_submission_place": answers.WHERE,
    "ask_steps": answers.STEPS,
    "ask_legal_basis": answers.LEGAL,
    "ask_conditions": answers.CONDITIONS,
    "ask_result": answers.RESULT,
    "ask_forms": answers.FORMS,
}


def assistant() -> ProcedureAssistant:
    return services().assistant


def say(dispatcher: CollectingDispatcher, turn: Turn, tracker: Tracker) -> list[dict[str, Any]]:
    replies = list(turn.replies)
    answered = turn.procedure_code if turn.outcome == misses.ANSWERED else None
    asked = with_rating_prompt(replies, answered, tracker)
    say_replies(dispatcher, replies)
    return [
        SlotSet("procedure_code", turn.procedure_code),
        SlotSet("pending_aspect", turn.pending_aspect),
        *asked,
    ]


def _sender(tracker: Tracker) -> tuple[str, str]:
    return tracker.get_latest_input_channel() or "unknown", tracker.sender_id


def note_miss(tracker: Tracker, question: str, outcome: str, offered: tuple[str, ...] = ()) -> None:
    """Keep a question the bot could not answer with one procedure (masked), when the settings allow."""
    app = services()
    if app.settings.search.miss_log and outcome in misses.OUTCOMES:
        app.misses.record(*_sender(tracker), question, outcome, offered)


def note_pick(tracker: Tracker, code: str) -> None:
    app = services()
    if app.settings.search.miss_log:
        app.misses.picked(*_sender(tracker), code)


def _is_not_understood(event: dict[str, Any]) -> bool:
    return (event.get("metadata") or {}).get("utter_action") == "utter_default"


def not_understood_before(tracker: Tracker) -> bool:
    """Whether the bot's answer to the citizen's previous message was "em chưa hiểu" (utter_default)."""
    users_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                return False
        elif event.get("event") == "bot" and users_seen == 1 and _is_not_understood(event):
            return True
    return False


class ActionAnswerProcedure(OffLoopAction):
    def name(self) -> str:
        return "action_answer_procedure"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        chosen_code = next(tracker.get_latest_entity_values("procedure_code"), None)
        pending = tracker.get_slot("pending_aspect")
        if chosen_code:  # a candidate button, or an aspect button under an answer
            aspect = next(tracker.get_latest_entity_values("aspect"), None) or pending
            if pending:  # chosen among candidates or siblings: what the question meant
                note_pick(tracker, chosen_code)
            return say(dispatcher, assistant().choose(chosen_code, aspect), tracker)
        aspect = ASPECT_BY_INTENT.get(intent, answers.OVERVIEW)
        if intent == "ask_procedure" and pending:  # "khai sinh" in reply to "which procedure?"
            aspect = pending
        turn = assistant().ask(
            aspect,
            typed_text(tracker),
            procedure_phrase=next(tracker.get_latest_entity_values("procedure"), None),
            current_code=tracker.get_slot("procedure_code"),
        )
        note_miss(tracker, typed_text(tracker), turn.outcome, turn.offered)
        return say(dispatcher, turn, tracker)


class ActionOtherProcedure(OffLoopAction):
    """'Thủ tục khác': forget the procedure under discussion; "thủ tục tách hộ" names the other one."""

    def name(self) -> str:
        return "action_other_procedure"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = assistant().try_message(typed_text(tracker))
        if turn is not None:
            note_miss(tracker, typed_text(tracker), turn.outcome, turn.offered)
            return say(dispatcher, turn, tracker)
        dispatcher.utter_message(text=WHICH_PROCEDURE)
        return [SlotSet("procedure_code", None), SlotSet("pending_aspect", answers.OVERVIEW)]


class ActionOutOfScope(OffLoopAction):
    """A message the NLU took for something the bot does not do: a situation it knows may still be behind it
    ("quán ăn của tôi muốn tạm nghỉ 3 tháng"); otherwise say politely what the bot does."""

    def name(self) -> str:
        return "action_out_of_scope"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = assistant().try_message(typed_text(tracker), tracker.get_slot("procedure_code"))
        # Only a clear answer: a list of loosely matching procedures would not help small talk.
        if turn is None or turn.outcome not in {misses.ANSWERED, misses.SIBLINGS, misses.OUTSIDE}:
            note_miss(tracker, typed_text(tracker), misses.NOT_UNDERSTOOD)
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        note_miss(tracker, typed_text(tracker), turn.outcome, turn.offered)
        return say(dispatcher, turn, tracker)


class ActionSearchFallback(OffLoopAction):
    """Low NLU confidence: the message may still name a procedure; search before giving up."""

    def name(self) -> str:
        return "action_search_fallback"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = assistant().try_message(typed_text(tracker), tracker.get_slot("procedure_code"))
        if turn is None:
            note_miss(tracker, typed_text(tracker), misses.NOT_UNDERSTOOD)
            if not_understood_before(tracker):  # twice in a row: an officer (bot/actions/handover.py)
                return offer_officer(dispatcher, tracker)
            dispatcher.utter_message(response="utter_default")
            return []
        note_miss(tracker, typed_text(tracker), turn.outcome, turn.offered)
        return say(dispatcher, turn, tracker)


# Load the catalogue and build the search index when the action server starts, not on the first question.
assistant()
