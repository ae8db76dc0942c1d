"""The action server's event loop is never held by one citizen's slow I/O: with the SMS gateway taking 5 s to
answer, another citizen's turn on the same action server is answered at once (bot/actions/off_loop.py).

Run against the real action server (rasa_sdk) over its HTTP webhook, as Rasa calls it, with the brandname
gateway replaced by a local server speaking its protocol (devtools/fakes/sms_gateway.py)."""

from __future__ import annotations

import concurrent.futures
import json
import time
import urllib.request
from typing import Any

import pytest
import yaml

from devtools.fakes.sms_gateway import Gateway
from devtools.services import ROOT, Ports, Services

SLOW_GATEWAY_SECONDS = 5.0
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def slow_gateway():
    with Gateway() as gateway:
        gateway.delay = SLOW_GATEWAY_SECONDS
        yield gateway


@pytest.fixture(scope="module")
def action_server(tmp_path_factory, slow_gateway):
    stack = Services(
        Ports.free(),
        tmp_path_factory.mktemp("var-actions"),
        extra_env={
            "DVC_SMS_PROVIDER": "http",
            "DVC_SMS_HTTP_URL": slow_gateway.url,
            "DVC_SMS_HTTP_TOKEN": "token",
            "DVC_SMS_BRANDNAME": "UBND-TEST",
            "DVC_OTP_SECRET": "concurrency-test-secret-" + "x" * 16,
        },
    )
    try:
        stack.start("backoffice", timeout=600)  # creates the database the actions use
        stack.start("actions", timeout=600)
        yield f"http://127.0.0.1:{stack.ports.actions}/webhook"
    finally:
        stack.stop_all()


def call(url: str, action: str, tracker: dict[str, Any]) -> tuple[dict[str, Any], float]:
    body = json.dumps(
        {
            "next_action": action,
            "sender_id": tracker["sender_id"],
            "tracker": tracker,
            "domain": DOMAIN,
            "version": "3.6.2",
        }
    ).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    return answer, time.monotonic() - started


def tracker(sender: str, text: str, intent: str, slots: dict[str, Any], events: list[dict]) -> dict[str, Any]:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [],
        "message_id": f"m-{sender}-{time.monotonic_ns()}",
    }
    return {
        "sender_id": sender,
        "slots": slots,
        "latest_message": latest,
        "latest_event_time": time.time(),
        "followup_action": None,
        "paused": False,
        "events": [{"event": "user", "text": text, "parse_data": latest, "input_channel": "rest"}, *events],
        "latest_input_channel": "rest",
        "latest_action_name": "action_listen",
        "active_loop": {},
    }


def procedure_question(sender: str) -> dict[str, Any]:
    return tracker(sender, "làm giấy khai sinh cần giấy tờ gì", "ask_documents", {}, [])


def phone_for_status_lookup(sender: str) -> dict[str, Any]:
    """A citizen whose status lookup waits for their phone: typing it sends an OTP by SMS."""
    phone = "0912345678"
    slots = {"status_state": {"phase": "code"}, "status_input": phone, "requested_slot": "status_input"}
    events = [{"event": "slot", "name": "status_input", "value": phone}]
    found = tracker(sender, phone, "inform", slots, events)
    found["active_loop"] = {"name": "status_form"}
    return found


def test_a_slow_sms_gateway_does_not_hold_other_citizens_turns(action_server, slow_gateway):
    warm, _ = call(
        action_server, "action_answer_procedure", procedure_question("warm-up")
    )  # loads the search
    assert warm["responses"], warm
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        waiting = pool.submit(
            call, action_server, "validate_status_form", phone_for_status_lookup("citizen-a")
        )
        deadline = time.monotonic() + 10
        while not slow_gateway.requests:  # citizen A's SMS is now at the gateway, which takes 5 s
            assert time.monotonic() < deadline, "the OTP SMS never reached the gateway"
            time.sleep(0.02)
        others = [
            pool.submit(call, action_server, "action_answer_procedure", procedure_question(f"b{n}"))
            for n in range(3)
        ]
        answered = [future.result() for future in others]
        a_answer, a_seconds = waiting.result()
    for answer, seconds in answered:
        assert answer["responses"] and seconds < 1.0, (seconds, answer)
    assert not waiting.running() and a_seconds >= SLOW_GATEWAY_SECONDS
    texts = " ".join(str(response.get("text")) for response in a_answer["responses"])
    assert "mã xác thực" in texts.lower(), a_answer  # A's code was sent once the gateway answered
    print(
        f"\nother citizens' turns while the SMS gateway was slow: {[round(s, 3) for _, s in answered]} s;"
        f" the waiting citizen's: {a_seconds:.2f} s"
    )
