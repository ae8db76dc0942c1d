"""Submitting a dossier by conversation: thin adapters from Rasa's form loop to bot.forms.flow.

The whole form is one Rasa form (`dossier_form`) with one free-text slot (`dossier_input`); the data-driven
state (which procedure, which step, the answers) lives in the `dossier_state` slot, so the tracker store keeps
an unfinished form across a pause or a restart of the Rasa server.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import say_replies, typed_text
from bot.actions.off_loop import OffLoopAction, off_loop
from bot.actions.procedures import say
from bot.catalog.answers import OVERVIEW, start_payload
from bot.channels import CHANNELS_SHARING_PHONE
from bot.dossiers.receipt import receipt
from bot.forms.definitions import FormSpec
from bot.forms.flow import CANCELLED, FINISHED, FormFlow, FormState, Submission, Understood
from bot.forms.intake import asks_to_submit, submittable_procedure
from bot.otp.service import phone_hash
from bot.payments.fees import describe
from bot.privacy.consent import ConsentRecord
from bot.replies import Button, Reply
from bot.services import services

FINISHED_VALUE = "finished"  # dossier_input value that ends the form loop


def message_id(tracker: Tracker) -> str | None:
    return tracker.latest_message.get("message_id")


def _verified_until(tracker: Tracker) -> dict[str, Any]:
    return tracker.get_slot("verified_phone") or {}


def flow_for(tracker: Tracker) -> FormFlow:
    app = services()
    verified = _verified_until(tracker)
    channel = tracker.get_latest_input_channel() or "rest"

    def submit(
        form: FormSpec,
        answers: dict[str, str],
        key: str,
        attachments: list[dict[str, Any]],
        consent: ConsentRecord | None,
    ) -> Submission:
        procedure = app.catalog.get(form.procedure_code)
        dossier = app.dossiers.submit(
            form=form,
            procedure=procedure,
            answers=answers,
            channel=channel,
            sender_id=tracker.sender_id,
            phone_hash=phone_hash(app.secret, answers[form.phone_field]),
            idempotency_key=key,
            attachments=attachments,
            consent=consent,
        )
        replies = receipt(dossier, procedure, app.declaration_url(dossier.code))
        return Submission(dossier.code, replies + app.fee_desk.after_submission(dossier.code))

    def phone_is_verified(phone: str) -> bool:
        wanted = phone_hash(app.secret, phone)
        if verified.get("hash") == wanted and verified.get("until", 0) > time.time():
            return True
        return app.verified_contacts.verified_phone_hash(channel, tracker.sender_id) == wanted

    def find_attachment(upload_id: str) -> str | None:
        attachment = app.attachments.get(upload_id)
        return attachment.filename if attachment else None

    return FormFlow(
        app.forms,
        app.otp.for_conversation(channel, tracker.sender_id),
        submit,
        today=lambda: datetime.now(timezone.utc),
        phone_is_verified=phone_is_verified,
        find_attachment=find_attachment,
        can_share_phone=channel in CHANNELS_SHARING_PHONE,
        fee_text=lambda form, answers: describe(
            app.fees.fee_for(app.catalog.get(form.procedure_code), form.procedure_code, answers)
        ),
    )


def submittable_choices() -> Reply:
    app = services()
    buttons = tuple(
        Button(
            app.catalog.get(code).name if app.catalog.get(code) else form.title,
            start_payload(code),
        )
        for code, form in app.forms.items()
    )
    return Reply(
        "Dạ, hiện em nhận hồ sơ trực tuyến cho các thủ tục sau. Anh/chị chọn thủ tục cần nộp ạ:", buttons
    )


class ActionStartDossier(OffLoopAction):
    def name(self) -> str:
        return "action_start_dossier"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        app = services()
        code = next(tracker.get_latest_entity_values("procedure_code"), None)
        text = typed_text(tracker)
        if code is None and text and not asks_to_submit(text):
            # The NLU heard "submit" where the citizen only named a procedure: answer about it instead.
            turn = app.assistant.ask(OVERVIEW, text, current_code=tracker.get_slot("procedure_code"))
            return [
                *say(dispatcher, turn, tracker),
                SlotSet("dossier_state", None),
                SlotSet("dossier_input", FINISHED_VALUE),
            ]
        if code is None:
            phrase = next(tracker.get_latest_entity_values("procedure"), None) or text
            code = submittable_procedure(app.search, app.forms, phrase) or tracker.get_slot("procedure_code")
        if code not in app.forms:
            procedure = app.catalog.get(code) if code else None
            if procedure is not None:
                dispatcher.utter_message(
                    text=f'Dạ, thủ tục "{procedure.name}" (mã {procedure.code}) chưa nộp được qua trợ lý. '
                    f"Anh/chị nộp trên Cổng Dịch vụ công quốc gia: {procedure.portal_url}"
                )
            say_replies(dispatcher, [submittable_choices()])
            return [SlotSet("dossier_state", None), SlotSet("dossier_input", FINISHED_VALUE)]
        procedure = app.catalog.get(code)
        state, replies = flow_for(tracker).start(code, procedure.name if procedure else app.forms[code].title)
        state = replace(state, opened_by=message_id(tracker))
        say_replies(dispatcher, replies)
        return [
            SlotSet("dossier_state", state.to_dict()),
            SlotSet("dossier_input", None),
            SlotSet("procedure_code", code),
        ]


class ActionResumeDossier(OffLoopAction):
    def name(self) -> str:
        return "action_resume_dossier"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        saved = tracker.get_slot("dossier_state")
        if not saved or FormState.from_dict(saved).phase in FINISHED:
            dispatcher.utter_message(text="Dạ, hiện anh/chị không có hồ sơ nào đang khai dở.")
            say_replies(dispatcher, [submittable_choices()])
            return [SlotSet("dossier_input", FINISHED_VALUE)]
        state = replace(FormState.from_dict(saved), opened_by=message_id(tracker))
        dispatcher.utter_message(text=f"Dạ, mình tiếp tục hồ sơ thủ tục mã {state.procedure_code} nhé.")
        return [SlotSet("dossier_input", None), SlotSet("dossier_state", state.to_dict())]


def understood(tracker: Tracker) -> Understood:
    intent = tracker.latest_message.get("intent") or {}
    return Understood(str(intent.get("name") or ""), float(intent.get("confidence") or 0.0))


class ValidateDossierForm(FormValidationAction):
    def name(self) -> str:
        return "validate_dossier_form"

    async def validate_dossier_input(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await off_loop(self.answer, value, dispatcher, tracker)

    def answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        saved = tracker.get_slot("dossier_state")
        if not saved or value == FINISHED_VALUE:
            return {"dossier_input": FINISHED_VALUE}
        current = FormState.from_dict(saved)
        if current.opened_by is not None and current.opened_by == message_id(tracker):
            return {"dossier_input": None}  # the message that opened the form is not the first answer
        state, replies = flow_for(tracker).handle(current, str(value), understood(tracker))
        say_replies(dispatcher, replies)
        slots: dict[str, Any] = {"dossier_state": state.to_dict(), "dossier_input": None}
        if state.phone_verified and state.phase in FINISHED:
            app = services()
            phone = state.answers[app.forms[state.procedure_code].phone_field]
            until = time.time() + 60 * app.settings.verified_phone_minutes
            slots["verified_phone"] = {"hash": phone_hash(app.secret, phone), "until": until}
        if state.phase in FINISHED:
            slots["dossier_input"] = FINISHED_VALUE
            slots["dossier_state"] = None if state.phase == CANCELLED else state.to_dict()
        return slots


class ActionAskDossierInput(OffLoopAction):
    """Asks the current question of the form (Rasa calls it whenever `dossier_input` is empty)."""

    def name(self) -> str:
        return "action_ask_dossier_input"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        saved = tracker.get_slot("dossier_state")
        if saved:
            say_replies(dispatcher, flow_for(tracker).prompt(FormState.from_dict(saved)))
        return []
