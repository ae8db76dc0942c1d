"""Rasa's HTTP API is protected by the token; conversations survive a server restart (SQL tracker store)."""

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.servers


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_api_requires_the_token(services, citizen):
    person = citizen()
    person.say("xin chào")
    status, _ = get(f"{services.rasa_url}/conversations/{person.sender}/tracker")
    assert status == 401
    status, tracker = get(
        f"{services.rasa_url}/conversations/{person.sender}/tracker?token={services.auth_token}"
    )
    assert status == 200 and tracker["latest_message"]["text"] == "xin chào"


def test_conversation_survives_a_restart_of_the_rasa_server(services, citizen):
    person = citizen()
    person.say("xin chào")
    person.say("dịch vụ công mức độ 4 là gì")

    services.stop("rasa")
    services.start_rasa()
    services.wait_ready()

    status, tracker = get(
        f"{services.rasa_url}/conversations/{person.sender}/tracker?token={services.auth_token}"
    )
    assert status == 200
    said = [event["text"] for event in tracker["events"] if event["event"] == "user"]
    assert said == ["xin chào", "dịch vụ công mức độ 4 là gì"]
    assert person.texts("cảm ơn").startswith("Dạ, không có gì")
