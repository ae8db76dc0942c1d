from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.off_loop import OffLoopAction
from bot.replies import to_rasa
from bot.service_levels import levels_mentioned, resolve_level, response_name
from bot.services import services


class ActionExplainServiceLevel(OffLoopAction):
    """Explains the level the citizen named (entity `service_level`), or all of them."""

    def name(self) -> str:
        return "action_explain_service_level"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        mentions = list(tracker.get_latest_entity_values("service_level"))
        levels = [level for level in (resolve_level(m) for m in mentions) if level]
        if not levels:  # the NLU may miss the entity ("mot phan"); the message itself still names it
            levels = levels_mentioned(tracker.latest_message.get("text") or "")
        for level in dict.fromkeys(levels or [None]):  # "mức 3 và mức 4 khác gì" explains both, once each
            dispatcher.utter_message(response=response_name(level))
        # "khai sinh có làm toàn trình được không": also what the catalogue says of that procedure.
        reply = services().assistant.online_class(tracker.latest_message.get("text") or "")
        if reply is not None:
            dispatcher.utter_message(**to_rasa(reply))
        return []
