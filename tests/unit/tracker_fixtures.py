"""Conversations written by Rasa's own SQLTrackerStore (so the `events` schema and JSON are the real ones),
for the retention and data-rights tests."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import PROJECT_ROOT

CCCD = "001090123456"
PHONE = "0912345678"
NAME = "Nguyễn Văn An"
ADDRESS = "Thôn 1, xã Tân Phú"


def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def store(path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(domain(), dialect="sqlite", db=str(path))


def dossier_conversation(start: datetime, upload_id: str = "") -> list:
    """A citizen filing a dossier: consent, their name, CCCD and phone, the form's state in a slot."""
    t = start.timestamp()
    state = {
        "procedure_code": "1.001193",
        "phase": "summary",
        "answers": {"applicant_full_name": NAME, "applicant_cccd": CCCD, "applicant_phone": PHONE},
        "attachments": [{"upload_id": upload_id, "filename": "giay-chung-sinh.jpg"}] if upload_id else [],
    }
    return [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(metadata={"telegram_user": {"first_name": "An", "phone": PHONE}}, timestamp=t),
        ActionExecuted("action_listen", timestamp=t),
        UserUttered(
            f"tôi là {NAME}, cccd {CCCD}, sđt {PHONE}",
            intent={"name": "submit_dossier", "confidence": 0.93},
            entities=[
                {"entity": "procedure_code", "value": "1.001193", "start": 0, "end": 8},
                {"entity": "procedure", "value": NAME, "start": 9, "end": 22},
            ],
            parse_data={
                "text": f"tôi là {NAME}, cccd {CCCD}, sđt {PHONE}",
                "intent": {"name": "submit_dossier", "confidence": 0.93},
                "intent_ranking": [{"name": "submit_dossier", "confidence": 0.93}],
                "entities": [
                    {"entity": "procedure_code", "value": "1.001193", "start": 0, "end": 8},
                    {"entity": "procedure", "value": NAME, "start": 9, "end": 22},
                ],
            },
            input_channel="rest",
            message_id="m1",
            metadata={"user": {"phone": PHONE}},
            timestamp=t + 1,
        ),
        SlotSet("procedure_code", "1.001193", timestamp=t + 2),
        SlotSet("dossier_state", state, timestamp=t + 2),
        SlotSet("dossier_input", ADDRESS, timestamp=t + 2),
        ActiveLoop("dossier_form", timestamp=t + 2),
        ActionExecuted("dossier_form", policy="RulePolicy", confidence=1.0, timestamp=t + 2),
        BotUttered(
            f"Dạ, anh/chị kiểm tra lại: • Họ tên: {NAME} • Số CCCD: {CCCD} • Số điện thoại: {PHONE}",
            data={"buttons": [{"title": "Xác nhận gửi", "payload": "/affirm"}]},
            metadata={"utter_action": "utter_summary"},
            timestamp=t + 3,
        ),
        ActionExecuted("action_listen", timestamp=t + 3),
    ]


def save(path: Path, sender_id: str, events: list) -> None:
    tracker_store = store(path)
    tracker = DialogueStateTracker.from_events(sender_id, events, slots=tracker_store.domain.slots)
    asyncio.run(tracker_store.save(tracker))


def retrieve(path: Path, sender_id: str) -> DialogueStateTracker | None:
    return asyncio.run(store(path).retrieve_full_tracker(sender_id))
