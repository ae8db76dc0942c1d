"""Handover end to end on the real stack: a citizen on the web widget, Telegram or Zalo asks for an officer
(or is misunderstood twice), waits with a place in the queue, an officer of the fitting department claims the
conversation from the back-office pages, both chat (the citizen's replies reach the officer, never the bot),
and the officer releases it back to the bot with a summary. Out of office hours the bot takes a message and a
number instead (a second stack whose officers are not at their desks)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.session import session_factory
from bot.handover.models import HandoverRequest
from bot.workflow.clock import VIETNAM
from devtools.fakes.telegram_bot_api import text_update
from devtools.fakes.zalo_oa_api import text_event
from devtools.services import Ports, Services, post_json
from tests.integration.test_dossier_status import PASSWORD, bot_texts, officers, wait_for  # noqa: F401
from tests.integration.test_telegram_channel import TelegramCitizen, _update_ids
from tests.integration.test_zalo_channel import ZaloCitizen, _msg_ids

pytestmark = pytest.mark.servers

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class OfficerBrowser:
    """An officer on the back-office pages, as their browser uses them (session cookie, CSRF token)."""

    def __init__(self, services, username: str) -> None:
        self.base = services.backoffice_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        login_page = self.get("/officer/login")
        form = {"csrf_token": CSRF.search(login_page).group(1), "username": username, "password": PASSWORD}
        self.post("/officer/login", form)
        self.token = CSRF.search(self.get("/officer/handover")).group(1)

    def get(self, path: str, accept: str = "text/html") -> str:
        request = urllib.request.Request(self.base + path, headers={"Accept": accept})
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, form: dict[str, str], accept: str = "text/html") -> str:
        body = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base + path, body, {"Accept": accept})
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()

    def claim(self, request_id: int) -> None:
        self.post(f"/officer/handover/{request_id}/claim", {"csrf_token": self.token})

    def send(self, request_id: int, text: str) -> None:
        answer = self.post(
            f"/officer/handover/{request_id}/messages",
            {"csrf_token": self.token, "text": text},
            accept="application/json",
        )
        assert json.loads(answer) == {"sent": True}

    def lines(self, request_id: int) -> list[tuple[str, str]]:
        answer = json.loads(self.get(f"/officer/handover/{request_id}/messages?after=0", "application/json"))
        return [(line["author"], line["text"]) for line in answer["lines"]]

    def release(self, request_id: int, summary: str) -> None:
        self.post(f"/officer/handover/{request_id}/release", {"csrf_token": self.token, "summary": summary})


def open_request(services, channel: str, sender: str) -> HandoverRequest:
    with session_factory(f"sqlite:///{services.var_dir / 'dvc.db'}")() as session:
        return session.execute(
            select(HandoverRequest).where(
                HandoverRequest.channel == channel,
                HandoverRequest.sender_id == sender,
                HandoverRequest.status.in_(("waiting", "active")),
            )
        ).scalar_one()


def widget_messages(services, sender: str) -> list[str]:
    """What the citizen's open widget shows of the back-office's messages (its updates endpoint)."""
    query = urllib.parse.urlencode({"sender": sender, "after": 0})
    with urllib.request.urlopen(f"{services.backoffice_url}/webchat/updates?{query}", timeout=30) as response:
        return [message["text"] for message in json.loads(response.read())["messages"]]


def test_web_citizen_chats_with_an_officer_and_returns_to_the_bot(services, citizen, officers):  # noqa: F811
    person = citizen()
    person.say("xin chào")
    queued = person.texts("cho tôi gặp cán bộ")
    assert "vị trí số" in queued and "Bộ phận Một cửa" in queued
    request = open_request(services, "rest", person.sender)
    assert (request.status, request.reason, request.department_code) == ("waiting", "asked", None)

    officer = OfficerBrowser(services, "ttmotcua")
    assert f"/officer/handover/{request.id}/claim" in officer.get("/officer/handover")
    officer.claim(request.id)
    wait_for(lambda: any("đã nhận trò chuyện" in text for text in widget_messages(services, person.sender)))
    officer.send(request.id, "Chào anh/chị, tôi là cán bộ Một cửa, anh/chị cần hỏi gì ạ?")
    wait_for(lambda: any("cán bộ Một cửa" in text for text in widget_messages(services, person.sender)))

    assert person.say("Tôi muốn hỏi về hộ khẩu của bố tôi") == []  # the bot is silent: the officer answers
    assert officer.lines(request.id)[-1] == ("citizen", "Tôi muốn hỏi về hộ khẩu của bố tôi")
    assert "Tôi muốn hỏi về hộ khẩu của bố tôi" not in json.dumps(bot_texts(services, person.sender))

    officer.release(request.id, "Hướng dẫn thủ tục đăng ký thường trú")
    wait_for(lambda: any("Tóm tắt: Hướng dẫn" in text for text in widget_messages(services, person.sender)))
    assert person.texts("cảm ơn")  # the bot answers again


def test_telegram_citizen_is_routed_to_the_department_of_the_procedure(services, telegram, officers):  # noqa: F811
    person = TelegramCitizen(services, telegram)
    person.say("lệ phí đăng ký khai sinh là bao nhiêu")
    queued = " ".join(reply["text"] for reply in person.say("gặp cán bộ"))
    assert "Tư pháp" in queued and "vị trí số" in queued
    request = open_request(services, "telegram", str(person.user_id))
    assert request.department_code == "TU_PHAP" and "1.001193" in request.topic

    officer = OfficerBrowser(services, "tttuphap")
    officer.claim(request.id)
    officer.send(request.id, "Lệ phí khai sinh đúng hạn được miễn ạ.")
    telegram.wait_for(lambda call: "được miễn" in str(call.params.get("text", "")), timeout=30)
    before = len(person.sent())
    assert post_text(person, "Vậy khai sinh quá hạn thì sao ạ?") == []
    assert len(person.sent()) == before
    assert officer.lines(request.id)[-1] == ("citizen", "Vậy khai sinh quá hạn thì sao ạ?")
    officer.release(request.id, "")
    telegram.wait_for(lambda call: "đã kết thúc trò chuyện" in str(call.params.get("text", "")), timeout=30)


def post_text(person: TelegramCitizen, text: str) -> list[dict]:
    return person.send(text_update(next(_update_ids), person.user_id, text))


def test_zalo_citizen_chats_with_an_officer(services, zalo, officers):  # noqa: F811
    person = ZaloCitizen(services, zalo)
    queued = " ".join(reply["text"] for reply in person.say("cho em gặp cán bộ ạ"))
    assert "vị trí số" in queued
    request = open_request(services, "zalo", person.user_id)
    officer = OfficerBrowser(services, "ttmotcua")
    officer.claim(request.id)
    officer.send(request.id, "Dạ em là cán bộ xã, anh cần hỗ trợ gì?")
    wait_for(lambda: any("cán bộ xã" in m["message"].get("text", "") for m in person.received()))
    replies = person.send(
        text_event(zalo.app_id, person.user_id, "Em hỏi về đất đai", f"m{next(_msg_ids)}"), expect_reply=False
    )
    assert replies == []
    wait_for(lambda: officer.lines(request.id)[-1] == ("citizen", "Em hỏi về đất đai"))
    officer.release(request.id, "Chuyển lịch hẹn với cán bộ địa chính")
    wait_for(lambda: any("Tóm tắt" in m["message"].get("text", "") for m in person.received()))


def test_two_misunderstandings_in_a_row_queue_the_citizen_who_may_cancel(services, citizen):
    person = citizen()
    first = person.texts("xkcd qwrtp zzvbn")
    assert "chưa hiểu" in first and "vị trí số" not in first
    second = person.say("xkcd qwrtp zzvbn")  # the same again: not understood twice in a row
    assert "vẫn chưa hiểu" in second[0]["text"] and "vị trí số" in second[0]["text"]
    assert open_request(services, "rest", person.sender).reason == "fallbacks"
    cancel = [b["payload"] for b in second[0].get("buttons", []) if b["title"] == "Hủy chờ cán bộ"]
    assert cancel == ["/cancel_handover"]
    assert "đã hủy yêu cầu gặp cán bộ" in person.texts("/cancel_handover")


@pytest.fixture(scope="module")
def closed_stack():
    """A stack whose officers are not at their desks now: their only session is 12 hours away."""
    later = datetime.now(VIETNAM) + timedelta(hours=12)
    until = later + timedelta(minutes=1)
    session = f"{later:%H:%M}-{until:%H:%M}" if until.date() == later.date() else "00:00-00:01"
    with tempfile.TemporaryDirectory() as var_dir:
        stack = Services(Ports.free(), Path(var_dir), extra_env={"DVC_OFFICE_HOURS": session})
        try:
            stack.start_all()
            yield stack
        finally:
            stack.stop_all()


def test_out_of_hours_the_bot_takes_a_message_and_a_number(closed_stack):
    sender = f"closed-{time.time_ns()}"

    def say(text: str) -> str:
        replies = post_json(
            f"{closed_stack.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text}
        )
        return "\n".join(reply.get("text", "") for reply in replies)

    asked = say("tôi muốn gặp cán bộ")
    assert "ngoài giờ làm việc" in asked and "Bước 1/2" in asked
    assert "Bước 2/2" in say("Tôi cần xác nhận tình trạng hôn nhân gấp")
    assert "chưa đúng số di động" in say("12345")
    taken = say("0912 345 678")
    assert "0912345678" in taken and "gọi lại" in taken
    request = open_request(closed_stack, "rest", sender)
    assert (request.kind, request.callback_phone, request.status) == ("callback", "0912345678", "waiting")
    assert say("xin chào")  # the bot answers as usual afterwards
