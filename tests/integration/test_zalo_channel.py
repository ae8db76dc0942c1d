"""The Zalo OA channel end to end: signed webhook events as Zalo posts them into the real Rasa server, replies
and token refreshes against a local server speaking Zalo's OA and OAuth APIs (devtools/fakes/)."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from devtools.fakes import ZALO_OA_SECRET
from devtools.fakes.zalo_oa_api import (
    FakeZalo,
    image_event,
    signed,
    submit_info_event,
    text_event,
)
from tests.integration.test_dossier_conversations import CODE, fill_form, joined, new_phone
from tests.integration.test_dossier_status import act, officers  # noqa: F401 (a fixture)
from tests.integration.test_telegram_channel import ACCEPTED, assert_not_logged, write_transcript

pytestmark = pytest.mark.servers

_msg_ids = itertools.count(1)
_users = itertools.count(8800000000000001)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 2000


def post_event(services, raw: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"{services.rasa_url}/webhooks/zalo/webhook", raw, headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class ZaloCitizen:
    def __init__(self, services, zalo: FakeZalo) -> None:
        self.services = services
        self.zalo = zalo
        self.user_id = str(next(_users))

    def received(self) -> list[dict[str, Any]]:
        return [m for m in self.zalo.messages if m["recipient"].get("user_id") == self.user_id]

    def post(self, event: dict[str, Any]) -> int:
        return post_event(self.services, *signed(event, self.zalo.app_id, ZALO_OA_SECRET))

    def send(self, event: dict[str, Any], expect_reply: bool = True) -> list[dict[str, Any]]:
        """Post the event (Zalo gets its 200 at once), then collect the replies the turn sends afterwards."""
        before = len(self.received())
        assert self.post(event) == 200
        deadline = time.monotonic() + 30
        while expect_reply and len(self.received()) == before and time.monotonic() < deadline:
            time.sleep(0.1)
        settled = -1
        while settled != len(self.received()):  # until no more replies arrive for a moment
            settled = len(self.received())
            time.sleep(0.6)
        return [
            {"text": m["message"].get("text", ""), "buttons": FakeZalo.buttons_of(m), "message": m["message"]}
            for m in self.received()[before:]
        ]

    def say(self, text: str) -> list[dict[str, Any]]:
        return self.send(text_event(self.zalo.app_id, self.user_id, text, f"m{next(_msg_ids)}"))

    def press(self, replies: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
        """A quick-reply button arrives as a user_send_text carrying its payload."""
        payload = next(b["payload"] for r in replies for b in r["buttons"] if b["title"] == title)
        return self.say(payload)


@pytest.fixture
def person(services, zalo) -> ZaloCitizen:
    return ZaloCitizen(services, zalo)


def test_forged_missing_or_replayed_events_are_refused(services, zalo, person):
    event = text_event(zalo.app_id, person.user_id, "xin chào", f"m{next(_msg_ids)}")
    raw, headers = signed(event, zalo.app_id, "not-the-oa-secret")
    assert post_event(services, raw, headers) == 403
    raw, headers = signed(event, zalo.app_id, ZALO_OA_SECRET)
    assert post_event(services, raw, {"Content-Type": "application/json"}) == 403
    tampered = raw.replace("xin chào".encode(), "chào bạn".encode())
    assert post_event(services, tampered, headers) == 403
    old = text_event(
        zalo.app_id,
        person.user_id,
        "xin chào",
        f"m{next(_msg_ids)}",
        timestamp_ms=int(time.time() * 1000) - 3_600_000,
    )
    assert person.post(old) == 403
    time.sleep(1)
    assert person.received() == []


def test_a_question_is_answered_with_quick_replies_and_a_press_works(person):
    replies = person.say("lệ phí đăng ký khai sinh là bao nhiêu")
    assert "1.001193" in joined(replies)
    buttons = [b for r in replies for b in r["buttons"]]
    assert buttons and all(b["type"] == "oa.query.hide" for b in buttons) and len(replies[-1]["buttons"]) <= 5
    assert "1.001193" in joined(person.press(replies, "Hồ sơ cần gì?"))


def test_a_duplicate_event_is_processed_once(person, zalo):
    event = text_event(zalo.app_id, person.user_id, "xin chào", f"m{next(_msg_ids)}")
    person.send(event)
    first = len(person.received())
    assert person.post(event) == 200
    time.sleep(1.5)
    assert len(person.received()) == first


def submit(person, zalo, phone: str, shared_phone: str) -> str:
    fill_form(person, "1.001193", phone)
    url = zalo.add_user_file(JPEG, "giay-chung-sinh.jpg")
    replies = person.send(image_event(zalo.app_id, person.user_id, f"m{next(_msg_ids)}", url))
    assert "đã nhận tệp" in joined(replies)
    replies = person.press(replies, "Xác nhận gửi")
    card = next(
        r["message"]["attachment"]["payload"]
        for r in replies
        if "attachment" in r["message"] and "template_type" in r["message"]["attachment"]["payload"]
    )
    assert card["template_type"] == "request_user_info"
    return joined(person.send(submit_info_event(zalo.app_id, person.user_id, shared_phone)))


def test_a_birth_registration_is_submitted_with_a_photo_and_the_zalo_phone(services, person, zalo):
    phone = new_phone()
    receipt = submit(person, zalo, phone, "84" + phone[1:])
    code = CODE.search(receipt).group(1)
    assert code in joined(person.say("hồ sơ của tôi đang ở đâu"))
    write_transcript("zalo", person.received())
    assert_not_logged(services, phone, phone[1:], "Nguyễn Văn An", "lệ phí")


def test_an_update_zalo_refuses_after_7_days_goes_by_sms_and_shows_when_the_citizen_writes(
    services,
    person,
    zalo,
    officers,  # noqa: F811 (the fixture)
):
    phone = new_phone()
    code = CODE.search(submit(person, zalo, phone, "84" + phone[1:])).group(1)
    zalo.set_silent(person.user_id)
    act(services, officers["ttmotcua"], code, "accept")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if services.sms_outbox.exists() and ACCEPTED in services.sms_outbox.read_text(encoding="utf-8"):
            break
        time.sleep(0.3)
    sms = [json.loads(line) for line in services.sms_outbox.read_text(encoding="utf-8").splitlines()]
    assert [s for s in sms if s["phone"] == phone and code in s["text"] and ACCEPTED in s["text"]]
    assert not [t for t in zalo.texts_to(person.user_id) if code in t and ACCEPTED in t]
    zalo.set_silent(person.user_id, False)
    replies = person.say("xin chào")
    assert code in replies[0]["text"] and ACCEPTED in replies[0]["text"]  # the held update comes first
    assert "em chào" in joined(replies[1:])


def test_an_expired_token_is_refreshed_once_under_10_concurrent_sends(services, zalo):
    people = [ZaloCitizen(services, zalo) for _ in range(10)]
    zalo.expire_access_token()
    zalo.refresh_delay = 0.5  # the refresh takes a while: the other sends find the token stale meanwhile
    refreshes = zalo.refresh_calls
    threads = [
        threading.Thread(
            target=p.post, args=(text_event(zalo.app_id, p.user_id, "xin chào", f"m{next(_msg_ids)}"),)
        )
        for p in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 60
    while not all(p.received() for p in people) and time.monotonic() < deadline:
        time.sleep(0.2)
    zalo.refresh_delay = 0
    assert all(
        "em chào" in joined([{"text": m["message"].get("text", "")} for m in p.received()]) for p in people
    )
    assert zalo.refresh_calls == refreshes + 1
