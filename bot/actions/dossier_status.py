"""Dossier status, public statistics and back-office notifications in the chat: thin adapters over
bot.dossiers.status_lookup, bot.statistics and bot.notifications.outbox."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import faults
from bot.actions.common import say_replies, typed_text
from bot.actions.off_loop import OffLoopAction, off_loop
from bot.channels import CHANNELS_SHARING_PHONE
from bot.dossiers.status_lookup import ERASE, MY_DATA, LookupState, Outcome, Requester, find_code
from bot.notifications.replies import said_in, update_message
from bot.services import services
from bot.statistics import answer_question, dossier_statistics

FINISHED_VALUE = "finished"  # status_input value that ends the status lookup loop


def requester(tracker: Tracker) -> Requester:
    verified = tracker.get_slot("verified_phone") or {}
    still_valid = verified.get("hash") and verified.get("until", 0) > time.time()
    channel = tracker.get_latest_input_channel() or "rest"
    hashed = verified["hash"] if still_valid else None
    if hashed is None and channel in CHANNELS_SHARING_PHONE:
        hashed = services().verified_contacts.verified_phone_hash(channel, tracker.sender_id)
    return Requester(
        channel=channel,
        sender_id=tracker.sender_id,
        verified_phone_hash=hashed,
        can_share_phone=channel in CHANNELS_SHARING_PHONE,
    )


def outcome_events(dispatcher: CollectingDispatcher, outcome: Outcome) -> list[dict[str, Any]]:
    say_replies(dispatcher, outcome.replies)
    events = [
        SlotSet("status_state", outcome.state.to_dict() if outcome.state else None),
        SlotSet("status_input", None if outcome.state else FINISHED_VALUE),
    ]
    if outcome.verified_phone_hash:
        until = time.time() + 60 * services().settings.verified_phone_minutes
        events.append(SlotSet("verified_phone", {"hash": outcome.verified_phone_hash, "until": until}))
    return events


class ActionDossierStatus(OffLoopAction):
    def name(self) -> str:
        return "action_dossier_status"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        code = next(tracker.get_latest_entity_values("dossier_code"), None) or find_code(typed_text(tracker))
        outcome = services().status_desk.start(
            requester(tracker), code.upper() if code else None, tracker.latest_message.get("message_id")
        )
        return outcome_events(dispatcher, outcome)


class ActionMyData(OffLoopAction):
    """ "xem dữ liệu của tôi" / "xóa dữ liệu của tôi": after the phone's OTP (bot/dossiers/status_lookup.py),
    what is kept and what may be erased (bot/privacy/subject_access.py)."""

    def name(self) -> str:
        return "action_my_data"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        purpose = ERASE if intent == "my_data_erase" else MY_DATA
        opened_by = tracker.latest_message.get("message_id")
        outcome = services().status_desk.start_data_request(requester(tracker), purpose, opened_by)
        return outcome_events(dispatcher, outcome)


class ActionVerifyPhoneForStatus(OffLoopAction):
    def name(self) -> str:
        return "action_verify_phone_for_status"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        outcome = services().status_desk.ask_phone(tracker.latest_message.get("message_id"))
        return outcome_events(dispatcher, outcome)


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_status_form"

    async def validate_status_input(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await off_loop(self.answer, value, dispatcher, tracker)

    def answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        saved = tracker.get_slot("status_state")
        if not saved or value == FINISHED_VALUE:
            return {"status_input": FINISHED_VALUE}
        state = LookupState.from_dict(saved)
        if state.opened_by is not None and state.opened_by == tracker.latest_message.get("message_id"):
            return {"status_input": None}  # the question that opened the lookup is not its answer
        intent = tracker.latest_message.get("intent", {}).get("name") or ""
        outcome = services().status_desk.handle(state, str(value), intent, requester(tracker))
        return {event["name"]: event["value"] for event in outcome_events(dispatcher, outcome)}


class ActionAskStatusInput(OffLoopAction):
    """Rasa's form loop calls this when `status_input` is empty; the lookup has already said its question
    (bot/dossiers/status_lookup.py), so there is nothing to add."""

    def name(self) -> str:
        return "action_ask_status_input"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return []


class ActionStatistics(OffLoopAction):
    def name(self) -> str:
        return "action_statistics"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        app = services()
        statistics = dossier_statistics(
            app.sessions, now=datetime.now(timezone.utc), months=2, commune=app.settings.commune_name
        )
        page = f"{app.settings.backoffice_public_url}/#dvc-stats-card"
        dispatcher.utter_message(
            text=f"{answer_question(statistics, typed_text(tracker))}\nSố liệu theo từng tháng: {page}"
        )
        return []


class ActionDeliverNotification(OffLoopAction):
    """Says a back-office update in the citizen's conversation, exactly once per outbox row (how the row
    gets marked delivered: bot/notifications/outbox.py)."""

    def name(self) -> str:
        return "action_deliver_notification"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        raw_id = next(tracker.get_latest_entity_values("notification_id"), None)
        if raw_id is None or not str(raw_id).isdigit():
            return []
        notification_id = int(raw_id)
        if said_in(tracker.events, notification_id):  # a retry: Rasa kept it, the back-office never heard
            return []
        message = services().outbox.undelivered(notification_id, tracker.sender_id)
        if message is None:  # delivered already (queued for Telegram or Zalo) or not this conversation's
            return []
        dispatcher.utter_message(**update_message(notification_id, message.text, message.rate))
        faults.point("notification.before_reply")
        return []


class ActionPayFee(OffLoopAction):
    """ "thanh toán lệ phí": the payment link of the citizen's own dossier (bot.payments.desk)."""

    def name(self) -> str:
        return "action_pay_fee"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        code = next(tracker.get_latest_entity_values("dossier_code"), None) or find_code(typed_text(tracker))
        replies = services().fee_desk.answer(requester(tracker), code.upper() if code else None)
        say_replies(dispatcher, replies)
        return []
