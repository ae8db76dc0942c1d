"""Every kind of reply the assistant gives, rendered for Telegram and Zalo within each platform's limits."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from bot.catalog.answers import ASPECTS, answer, candidates
from bot.catalog.store import default_catalog
from bot.channels.records import TOKEN_PREFIX
from bot.channels.render import (
    TELEGRAM_CALLBACK_BYTES,
    TELEGRAM_TEXT_LIMIT,
    ZALO_BUTTONS_PER_MESSAGE,
    ZALO_TEXT_LIMIT,
    Rendered,
    render_telegram,
    render_zalo,
    telegram_button_title,
)
from bot.dossiers.receipt import receipt
from bot.dossiers.submission import SubmittedDossier
from bot.forms.definitions import load_forms
from bot.forms.flow import CHOOSING_CORRECTION, FIELDS, SUMMARY, FormFlow, FormState
from bot.notifications.replies import update_reply
from bot.replies import SHARE_PHONE, Button, File, Reply, from_rasa, intent_payload, to_rasa
from bot.statistics.dossier_statistics import MonthFigures, Statistics, answer_question
from bot.text.split import split_message
from tests.unit.test_status_lookup import OWNER, desk  # noqa: F401 (a fixture)

LONG_WORDS = "Nguyễn Thị Phương Thảo " * 12


def catalogue_replies() -> list[Reply]:
    catalog = default_catalog()
    longest = sorted(catalog.procedures, key=lambda p: -len(json.dumps(p.to_dict(), ensure_ascii=False)))[:8]
    replies = [reply for p in longest for aspect in ASPECTS for reply in answer(p, aspect, submittable=True)]
    return [*replies, candidates(longest)]


def form_replies() -> list[Reply]:
    class NoSms:
        def send_code(self, phone: str):  # pragma: no cover - the share-phone prompt sends nothing
            raise AssertionError

        verify = send_code

    forms = load_forms()
    replies: list[Reply] = []
    for code, form in forms.items():
        flow = FormFlow(forms, NoSms(), None, lambda: datetime.now(timezone.utc), can_share_phone=True)
        replies += flow.start(code, form.title)[1]
        answers = {spec.name: LONG_WORDS for spec in form.fields}
        answers[form.phone_field] = "0912345678"
        for step in range(len(form.fields)):
            replies += flow.prompt(FormState(code, phase=FIELDS, step=step))
        replies += flow.prompt(FormState(code, phase=SUMMARY, answers=answers))
        replies += flow.prompt(FormState(code, phase=CHOOSING_CORRECTION, answers=answers))
        replies += flow.handle(FormState(code, phase=SUMMARY, answers=answers), "/affirm")[1]
    now = datetime.now(timezone.utc)
    dossier = SubmittedDossier(
        "000.00.12.H23-261130-0001", "1.001193", "Đăng ký khai sinh", now, None, False, True
    )
    replies += receipt(dossier, None, "http://localhost:8080/dossiers/X/declaration.pdf?t=abc")
    return replies


def status_and_statistics_replies(desk) -> list[Reply]:  # noqa: F811
    status, codes, _, _ = desk
    replies = [*status.lookup(codes[0], OWNER), *status.start(OWNER, None).replies]
    month = MonthFigures("2026-11", 130, 120, 100, 20, 16.7, 7, 3)
    total = MonthFigures("total", 260, 240, 200, 40, 16.7, 7, 3)
    statistics = Statistics(datetime(2026, 11, 30, tzinfo=timezone.utc), (month, month), total, "Xã Tân Phú")
    replies.append(Reply(answer_question(statistics, "tỉ lệ trễ hạn tháng này")))
    replies.append(update_reply(f"Hồ sơ {codes[0]} đã được chuyển đến Công chức Tư pháp - Hộ tịch."))
    replies.append(Reply("Đoạn văn dài. " * 500))  # a 6,000-character answer
    return replies


def check_telegram(reply: Reply) -> Rendered:
    out = render_telegram(reply, "42")
    for call in out.messages:
        params = call["params"]
        if call["method"] == "sendMessage":
            assert 0 < len(params["text"]) <= TELEGRAM_TEXT_LIMIT
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if "callback_data" in button:
                    assert len(button["callback_data"].encode("utf-8")) <= TELEGRAM_CALLBACK_BYTES
                    data = button["callback_data"]
                    assert data in [b.payload for b in reply.buttons] or out.tokens[data] in [
                        b.payload for b in reply.buttons
                    ]
    shown = [
        b["text"]
        for c in out.messages
        for row in c["params"].get("reply_markup", {}).get("inline_keyboard", [])
        for b in row
    ]
    assert shown[: len([b for b in reply.buttons if b.kind != SHARE_PHONE])] == [
        b.title for b in reply.buttons if b.kind != SHARE_PHONE
    ]
    return out


def check_zalo(reply: Reply) -> Rendered:
    out = render_zalo(reply, "u1")
    buttons = []
    for body in out.messages:
        message = body["message"]
        if "text" in message:
            assert 0 < len(message["text"]) <= ZALO_TEXT_LIMIT
        group = message.get("attachment", {}).get("payload", {}).get("buttons", [])
        assert len(group) <= ZALO_BUTTONS_PER_MESSAGE
        buttons += [b for b in group if b["type"] == "oa.query.hide"]
    assert [
        b["payload"] if not b["payload"].startswith(TOKEN_PREFIX) else out.tokens[b["payload"]]
        for b in buttons
    ] == [b.payload for b in reply.buttons if b.kind != SHARE_PHONE]
    return out


def joined_text(reply: Reply, out: Rendered, telegram: bool) -> str:
    if telegram:
        texts = [c["params"]["text"] for c in out.messages if c["method"] == "sendMessage"]
    else:
        texts = [b["message"]["text"] for b in out.messages if "text" in b["message"]]
    return "".join("".join(texts).split())


@pytest.mark.parametrize("source", ["catalogue", "forms"])
def test_every_reply_fits_both_platforms_and_loses_no_text(source):
    replies = catalogue_replies() if source == "catalogue" else form_replies()
    assert len(replies) > 50
    for reply in replies:
        for telegram, check in ((True, check_telegram), (False, check_zalo)):
            out = check(reply)
            assert "".join(reply.text.split()) in joined_text(reply, out, telegram)


def test_status_statistics_and_updates_fit_both_platforms(desk):  # noqa: F811
    for reply in status_and_statistics_replies(desk):
        check_telegram(reply)
        check_zalo(reply)


def test_a_6000_character_answer_is_split_on_paragraphs_never_mid_word():
    paragraphs = [(f"Đoạn {n}: " + "thủ tục hành chính " * 40).strip() for n in range(12)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 6000
    for limit in (TELEGRAM_TEXT_LIMIT, ZALO_TEXT_LIMIT):
        pieces = split_message(text, limit)
        assert all(len(piece) <= limit for piece in pieces)
        assert all(piece.startswith("Đoạn ") for piece in pieces)  # each piece starts a paragraph
        assert "\n\n".join(pieces) == text.strip()
    words = "chứng thực " * 700
    for piece in split_message(words, 2000):
        assert piece.split()[0] in ("chứng", "thực") and not piece.endswith(("chứn", "thự"))
    assert " ".join(split_message(words, 2000)) == words.strip()


def test_long_payloads_get_a_token_and_the_pressed_title_is_found():
    long_choice = intent_payload("choose", value="Người đại diện theo pháp luật của cơ sở trợ giúp xã hội")
    assert len(long_choice.encode()) > TELEGRAM_CALLBACK_BYTES
    out = render_telegram(Reply("Chọn ạ", (Button("Người đại diện", long_choice),)), "42")
    markup = out.messages[-1]["params"]["reply_markup"]
    data = markup["inline_keyboard"][0][0]["callback_data"]
    assert data.startswith(TOKEN_PREFIX) and out.tokens == {data: long_choice}
    assert telegram_button_title(markup, data) == "Người đại diện"


def test_share_phone_becomes_a_contact_keyboard_on_telegram_and_a_card_on_zalo():
    reply = Reply(
        "Xác thực số điện thoại",
        (Button("Chia sẻ số điện thoại", "/phone_shared", SHARE_PHONE), Button("SMS", "/resend_code")),
    )
    telegram = render_telegram(reply, "42").messages
    assert telegram[0]["params"]["reply_markup"]["keyboard"][0][0] == {
        "text": "Chia sẻ số điện thoại",
        "request_contact": True,
    }
    assert telegram[1]["params"]["reply_markup"]["inline_keyboard"] == [
        [{"text": "SMS", "callback_data": "/resend_code"}]
    ]
    zalo = render_zalo(reply, "u1", image_url="https://xa.example/logo.png").messages
    card = zalo[-1]["message"]["attachment"]["payload"]
    assert card["template_type"] == "request_user_info" and card["elements"][0]["image_url"].endswith(
        "logo.png"
    )


def test_a_reply_survives_the_trip_through_rasa():
    reply = Reply(
        "Hồ sơ đã nộp",
        (Button("Xem", "/ask_dossier_status"), Button("Chia sẻ", "/phone_shared", SHARE_PHONE)),
        files=(File("http://x/a.pdf", "a.pdf"),),
        dossier_update="000.00.12.H23-261130-0001",
    )
    message = to_rasa(reply)
    assert message["buttons"][0] == {
        "title": "Xem",
        "payload": "/ask_dossier_status",
    }  # as REST clients know it
    assert from_rasa(message) == reply
    # Rasa's own responses (domain.yml) come without our extras.
    plain = from_rasa({"text": "Chào", "buttons": [{"title": "A", "payload": "/greet"}]})
    assert plain == Reply("Chào", (Button("A", "/greet"),))


def test_payloads_are_valid_json_whatever_the_value_holds():
    payload = intent_payload("choose", value='Ông "Ba"\\ và bà Tư')
    assert json.loads(payload[len("/choose") :]) == {"value": 'Ông "Ba"\\ và bà Tư'}
