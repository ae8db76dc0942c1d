"""The monitoring's totals over Rasa's tracker store are counted once, then only over the events added since,
and always equal a full count; and the officer sees a conversation's last messages as they were said."""

import json

from sqlalchemy import create_engine, insert

from bot.privacy.conversations import EVENTS, FALLBACK_ACTIONS, ConversationStore, _metadata


def add(engine, sender: str, kind: str, action: str | None = None, text: str | None = None) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(EVENTS).values(
                sender_id=sender,
                type_name=kind,
                timestamp=1_764_550_000.0,
                action_name=action,
                data=json.dumps({"event": kind, "text": text} if text is not None else {"event": kind}),
            )
        )


def test_totals_follow_new_events_without_recounting(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url, future=True)
    _metadata.create_all(engine)
    store = ConversationStore(url)
    add(engine, "a", "user", text="xin chào")
    add(engine, "a", "action", next(iter(FALLBACK_ACTIONS)))
    add(engine, "b", "user", text="lệ phí")
    first = store.activity()
    assert (first.conversations, first.turns, first.fallbacks) == (2, 2, 1)
    assert store.activity() == first  # nothing new
    add(engine, "a", "user", text="cảm ơn")
    add(engine, "c", "user", text="chào")
    add(engine, "c", "action", "action_listen")
    second = store.activity()
    assert (second.conversations, second.turns, second.fallbacks) == (3, 4, 1)
    assert ConversationStore(url).activity() == second  # a fresh count agrees


def test_recent_lines_leave_out_button_payloads_and_back_office_triggers(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url, future=True)
    _metadata.create_all(engine)
    add(engine, "a", "user", text="cho tôi gặp cán bộ")
    add(engine, "a", "bot", text="Dạ, em đã chuyển anh/chị đến Bộ phận Một cửa.")
    add(engine, "a", "user", text="/cancel_handover")
    add(engine, "a", "user", text="EXTERNAL: EXTERNAL_dossier_update")  # as Rasa stores a trigger_intent
    add(engine, "b", "user", text="không phải của a")
    lines = ConversationStore(url).recent_lines("a")
    assert [(line.author, line.text) for line in lines] == [
        ("citizen", "cho tôi gặp cán bộ"),
        ("bot", "Dạ, em đã chuyển anh/chị đến Bộ phận Một cửa."),
    ]
    assert ConversationStore(f"sqlite:///{tmp_path / 'none.db'}").recent_lines("a") == []
