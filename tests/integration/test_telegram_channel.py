"""The Telegram channel end to end: webhook calls as Telegram makes them into the real Rasa server, replies as
python-telegram-bot sends them to a local server speaking the Bot API (devtools/fakes/telegram_bot_api.py)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import ChannelMessage, Dossier
from devtools.fakes import TELEGRAM_SECRET
from devtools.fakes.telegram_bot_api import (
    FakeTelegram,
    callback_update,
    contact_update,
    photo_update,
    text_update,
)
from devtools.services import ROOT, VENV_BIN
from tests.integration.test_dossier_conversations import CODE, fill_form, joined, new_phone, otp_code
from tests.integration.test_dossier_status import act, database, officers  # noqa: F401 (a fixture)

pytestmark = pytest.mark.servers

TRANSCRIPTS = ROOT / "test-results"
ACCEPTED = "Bộ phận Một cửa đã tiếp nhận"  # the citizen's message when the desk accepts the dossier
_update_ids = itertools.count(1000)
_user_ids = itertools.count(7000001)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 2000


def post_update(services, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"{services.rasa_url}/webhooks/telegram/webhook", json.dumps(update).encode(), headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class TelegramCitizen:
    """One citizen in a private chat with the bot."""

    def __init__(self, services, telegram: FakeTelegram) -> None:
        self.services = services
        self.telegram = telegram
        self.user_id = next(_user_ids)

    def sent(self) -> list[Any]:
        return [
            call
            for call in self.telegram.calls_of("sendMessage")
            if str(call.params.get("chat_id")) == str(self.user_id) and call.status == 200
        ]

    def send(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Post the update; the webhook answers after the turn, so its replies have been sent by then."""
        before = len(self.sent())
        assert post_update(self.services, update) == 200
        return [
            {"text": call.params["text"], "markup": call.params.get("reply_markup") or {}}
            for call in self.sent()[before:]
        ]

    def say(self, text: str) -> list[dict[str, Any]]:
        return self.send(text_update(next(_update_ids), self.user_id, text))

    def press(self, replies: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
        markup, data = next(
            (reply["markup"], button["callback_data"])
            for reply in replies
            for row in reply["markup"].get("inline_keyboard", [])
            for button in row
            if button["text"] == title
        )
        return self.send(callback_update(next(_update_ids), self.user_id, data, reply_markup=markup))


@pytest.fixture
def person(services, telegram) -> TelegramCitizen:
    return TelegramCitizen(services, telegram)


def test_webhook_refuses_a_missing_or_wrong_secret(services, telegram, person):
    update = text_update(next(_update_ids), person.user_id, "xin chào")
    assert post_update(services, update, secret=None) == 403
    assert post_update(services, update, secret="wrong-secret") == 403
    assert person.sent() == []


def test_a_procedure_question_is_answered_with_buttons_and_a_press_is_answered_and_echoed(person, telegram):
    replies = person.say("lệ phí đăng ký khai sinh là bao nhiêu")
    assert "1.001193" in joined(replies)
    assert any(reply["markup"].get("inline_keyboard") for reply in replies)
    answered_before = len(telegram.calls_of("answerCallbackQuery"))
    replies = person.press(replies, "Hồ sơ cần gì?")
    assert len(telegram.calls_of("answerCallbackQuery")) == answered_before + 1
    assert replies[0]["text"] == "▸ Hồ sơ cần gì?"
    assert "1.001193" in joined(replies[1:])


def test_a_duplicate_update_is_processed_once(services, person):
    update = text_update(next(_update_ids), person.user_id, "xin chào")
    assert post_update(services, update) == 200
    first = len(person.sent())
    assert first > 0
    assert post_update(services, update) == 200
    assert len(person.sent()) == first


def submit_birth_registration(services, telegram, person, phone: str, contact_of: int | None) -> str:
    """Fill the form, attach a photo, confirm, verify the phone by sharing a contact; the receipt text."""
    fill_form(person, "1.001193", phone)
    file_id = telegram.add_file(JPEG)
    replies = person.send(photo_update(next(_update_ids), person.user_id, file_id, len(JPEG)))
    assert "đã nhận tệp" in joined(replies)
    replies = person.press(replies, "Xác nhận gửi")
    keyboard = next(reply["markup"]["keyboard"] for reply in replies if reply["markup"].get("keyboard"))
    assert keyboard[0][0] == {"text": "Chia sẻ số điện thoại", "request_contact": True}
    phone_digits = "84" + phone[1:]
    return joined(person.send(contact_update(next(_update_ids), person.user_id, phone_digits, contact_of)))


def test_a_birth_registration_is_submitted_with_a_photo_and_the_shared_contact(services, telegram, person):
    phone = new_phone()
    receipt = submit_birth_registration(services, telegram, person, phone, contact_of=person.user_id)
    code = CODE.search(receipt).group(1)
    with database(services)() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        assert dossier.channel == "telegram" and dossier.sender_id == str(person.user_id)
        assert len(dossier.attachments) == 1  # the photo, checked and stored like an upload
    assert not services.sms_outbox.exists() or phone not in services.sms_outbox.read_text()  # no SMS needed
    document = telegram.wait_for(
        lambda c: c.method == "sendDocument" and str(c.params["chat_id"]) == str(person.user_id)
    )
    filename, content = document.files["document"]
    assert filename == f"to-khai-{code}.pdf" and content.startswith(b"%PDF")  # uploaded, not a URL

    # The dossier's status, in the same chat.
    assert code in joined(person.say("hồ sơ của tôi đang ở đâu"))
    assert_not_logged(services, phone, "Nguyễn Văn An", "lệ phí")
    write_transcript(
        "telegram", [c for c in telegram.calls if str(c.params.get("chat_id")) == str(person.user_id)]
    )


def assert_not_logged(services, *secrets: str) -> None:
    """Personal data and message text never reach the servers' logs (Decree 13/2023)."""
    for name in ("rasa", "actions", "backoffice"):
        log = (services.log_dir or services.var_dir) / f"{name}.log"
        text = log.read_text(encoding="utf-8", errors="replace").lower() if log.exists() else ""
        for secret in secrets:
            assert secret.lower() not in text, f"{secret!r} in {name}.log"


def write_transcript(channel: str, calls: list[Any]) -> None:
    """What the platform saw, for the record (test-results/): each API call with its text and buttons."""
    lines = []
    for call in calls:
        params = getattr(call, "params", call)
        markup = params.get("reply_markup") or (params.get("message") or {}).get("attachment") or {}
        text = params.get("text") or (params.get("message") or {}).get("text") or params.get("document") or ""
        method = getattr(call, "method", "message/cs")
        lines.append(
            f"[{method}] {text}\n    {json.dumps(markup, ensure_ascii=False)}"
            if markup
            else f"[{method}] {text}"
        )
    TRANSCRIPTS.mkdir(exist_ok=True)
    (TRANSCRIPTS / f"{channel}_dossier_transcript.txt").write_text("\n".join(lines), encoding="utf-8")


def test_a_contact_of_someone_else_falls_back_to_the_sms_code(services, telegram, person):
    phone = new_phone()
    reply = submit_birth_registration(services, telegram, person, phone, contact_of=person.user_id + 1)
    assert "chưa xác thực được" in reply and "Mã hồ sơ" not in reply
    assert CODE.search(joined(person.say(otp_code(services, phone))))


def test_an_officers_step_reaches_the_chat_once_also_after_telegram_was_down(
    services,
    telegram,
    person,
    officers,  # noqa: F811 (the fixture)
):
    phone = new_phone()
    code = CODE.search(submit_birth_registration(services, telegram, person, phone, person.user_id)).group(1)
    telegram.down = True
    try:
        refused = telegram.refused
        act(services, officers["ttmotcua"], code, "accept")
        deadline = time.monotonic() + 20
        while telegram.refused < refused + 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert telegram.refused >= refused + 2  # tried, and tried again, while Telegram was down
    finally:
        telegram.down = False
    update = telegram.wait_for(
        lambda c: (
            c.method == "sendMessage"
            and str(c.params.get("chat_id")) == str(person.user_id)
            and c.status == 200
            and code in c.params["text"]
            and ACCEPTED in c.params["text"]
        ),
        timeout=30,
    )
    assert update.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Xem tình trạng hồ sơ"
    services.wait_delivered(channels=("telegram",))  # more delivery and retry rounds: still one message
    pushed = [t for t in telegram.sent_texts(person.user_id) if code in t and ACCEPTED in t]
    assert len(pushed) == 1
    with database(services)() as session:
        waiting = session.execute(
            select(ChannelMessage).where(
                ChannelMessage.recipient == str(person.user_id), ChannelMessage.status != "sent"
            )
        ).scalars()
        assert list(waiting) == []


def test_a_flood_limit_delays_a_reply_without_losing_it(person, telegram):
    telegram.fail_next("sendMessage", 1, status=429, retry_after=1)
    replies = person.say("xin chào")
    deadline = time.monotonic() + 15
    while (
        not any("em chào" in t for t in telegram.sent_texts(person.user_id)) and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert any("em chào" in t for t in telegram.sent_texts(person.user_id)), replies


def test_statistics_in_the_chat(person):
    assert "tháng" in joined(person.say("tỉ lệ trễ hạn tháng này?"))


def test_start_command_greets(person):
    assert "em chào" in joined(person.say("/start"))


def test_set_webhook_command_registers_the_secret(services, telegram):
    env = {**services._env(), "TELEGRAM_WEBHOOK_URL": "https://xa.example.vn/webhooks/telegram/webhook"}
    result = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "connectors.telegram", "set-webhook"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert telegram.webhook["url"] == "https://xa.example.vn/webhooks/telegram/webhook"
    assert telegram.webhook["secret_token"] == TELEGRAM_SECRET
    assert re.search(r"pending updates: 0", result.stdout)
