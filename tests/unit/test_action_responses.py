"""The Rasa server's check of action server responses, with a validator built once: it accepts and refuses
exactly what `jsonschema.validate` on Rasa's schema does, with Rasa's error message."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from connectors.action_responses import install, validate_action_result

SCHEMA = RemoteAction.action_response_format_spec()
VALID = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "procedure_code", "value": "1.001193"}],
        "responses": [{"text": "Dạ"}],
    },
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}]},
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event names its slot
    {"responses": ["not an object"]},
    {"events": [{"event": "no_such_event"}]},
]


@pytest.mark.parametrize("result", VALID)
def test_what_rasa_accepts_is_accepted(result):
    jsonschema.validate(result, SCHEMA)
    assert validate_action_result(None, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_what_rasa_refuses_is_refused_with_rasas_message(result):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(result, SCHEMA)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        validate_action_result(None, result)


def test_installed_on_rasas_remote_action():
    install()
    assert RemoteAction._validate_action_result is validate_action_result
