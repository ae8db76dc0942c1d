"""'xem dữ liệu của tôi' and 'xóa dữ liệu của tôi' (Decree 13/2023) over Rasa's REST channel, through the
trained NLU, with the conversation really anonymised in Rasa's tracker store."""

import json
import sqlite3

import pytest

from tests.integration.test_dossier_conversations import CODE, fill_form, joined, new_phone, otp_code

pytestmark = pytest.mark.servers


def tracker_texts(services, sender_id: str) -> str:
    with sqlite3.connect(services.var_dir / "rasa_tracker.db") as tracker:
        rows = tracker.execute("SELECT data FROM events WHERE sender_id = ?", (sender_id,)).fetchall()
    return "\n".join(json.dumps(json.loads(row[0]), ensure_ascii=False) for row in rows)


def user_intents(services, sender_id: str) -> set[str]:
    with sqlite3.connect(services.var_dir / "rasa_tracker.db") as tracker:
        rows = tracker.execute(
            "SELECT intent_name FROM events WHERE sender_id = ? AND type_name = 'user'", (sender_id,)
        ).fetchall()
    return {row[0] for row in rows}


def test_a_stranger_is_asked_to_verify_before_seeing_anything(citizen):
    stranger = citizen()
    answer = joined(stranger.say("xem du lieu cua toi"))
    assert "xác minh" in answer and "số điện thoại" in answer
    assert "Mã hồ sơ" not in answer
    assert "dừng" in joined(stranger.say("/cancel")).lower()


def test_the_owner_sees_what_is_kept_then_erases_the_conversation(services, citizen):
    owner, phone = citizen(), new_phone()
    fill_form(owner, "1.001193", phone)
    owner.say("/affirm")
    code = CODE.search(joined(owner.say(otp_code(services, phone)))).group(1)
    assert "Nguyễn Văn An" in tracker_texts(services, owner.sender)

    # The phone was verified by OTP in this conversation a moment ago: no second code is needed.
    seen = joined(owner.say("các bạn đang lưu những thông tin gì về tôi"))
    assert code in seen

    asked = owner.say("xóa dữ liệu cá nhân của tôi")
    assert "chắc muốn xóa" in joined(asked)
    assert any(button.get("payload") == "/affirm" for reply in asked for button in reply.get("buttons", []))
    erased = joined(owner.say("/affirm"))
    assert code in erased  # the filed dossier is kept, and the answer says why

    kept = tracker_texts(services, owner.sender)
    assert "Nguyễn Văn An" not in kept and phone not in kept and phone[1:] not in kept
    assert {"my_data_view", "my_data_erase", "affirm"} <= user_intents(
        services, owner.sender
    )  # for statistics

    # The conversation goes on after its history was erased.
    assert joined(owner.say("lệ phí đăng ký khai sinh bao nhiêu"))
