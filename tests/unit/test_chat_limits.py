"""The web widget's REST channel (connectors/rest.py) on a real Sanic server, as the Rasa server mounts it:
malformed bodies, over-long messages and too many messages per conversation or per address."""

from __future__ import annotations

import http.client
import json

import pytest
from rasa.core.run import configure_app
from sanic import Sanic

from bot.settings import ChatLimits
from connectors.rest import LimitedRestInput
from tests.unit.test_endpoint_fuzz import ServedInThread, serve_sanic

HOOK = "/webhooks/rest/webhook"


LIMITS = ChatLimits(max_message_chars=50, messages_per_sender=3, messages_per_address=5, window_seconds=60)


@pytest.fixture
def origin(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)  # Rasa names every app it configures alike
    app = configure_app([LimitedRestInput(LIMITS)], enable_api=False, use_uvloop=False)
    port: list[int] = []
    with ServedInThread(serve_sanic(app, port)):
        yield ("127.0.0.1", port[0])


def post(origin, body: bytes) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection(*origin, timeout=30)
    connection.request("POST", HOOK, body, {"Content-Type": "application/json"})
    answer = connection.getresponse()
    result = answer.status, dict(answer.getheaders()), answer.read().decode("utf-8")
    connection.close()
    return result


def say(origin, sender: str, message: str) -> tuple[int, dict[str, str], str]:
    return post(origin, json.dumps({"sender": sender, "message": message}).encode())


def test_bodies_rasa_cannot_read_are_a_clear_400(origin):
    for body in (b"[1, 2]", b'"hello"', b'{"sender": 5, "message": "x"}', b'{"sender": "a", "message": 7}'):
        status, _, text = post(origin, body)
        assert status == 400 and "error" in json.loads(text), body
    assert say(origin, "x" * 129, "chào")[0] == 400


def test_an_over_long_message_gets_a_polite_reply_not_the_nlu(origin):
    status, _, text = say(origin, "dai", "a" * 51)
    assert status == 200
    assert json.loads(text) == [{"recipient_id": "dai", "text": json.loads(text)[0]["text"]}]
    assert "dài quá 50 ký tự" in json.loads(text)[0]["text"]


def test_too_many_messages_per_conversation_then_per_address(origin):
    assert [say(origin, "a", "chào")[0] for _ in range(3)] == [200, 200, 200]
    status, headers, text = say(origin, "a", "chào")
    assert status == 429 and 0 < int(headers["Retry-After"]) <= 60
    assert json.loads(text)[0]["text"].startswith("Dạ, anh/chị nhắn nhanh quá")
    assert say(origin, "b", "chào")[0] == 200  # another conversation from the same address: 5th message
    assert say(origin, "c", "chào")[0] == 429  # a sixth, whatever conversation it claims to be
