"""The channels package's compiled validation of action server responses agrees with Rasa's own."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import channels  # noqa: F401 — installs the compiled validator
from channels.fast_action_validation import validate_action_result

VALID = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "street", "value": "dongshan"}],
     "responses": [{"text": "好的", "custom": {"cards": []}}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}]},
]
INVALID = [
    {"events": "slot"},
    {"events": [{"name": "street"}]},
    {"events": [{"event": "slot"}]},
    {"responses": ["好的"]},
    [],
]


def test_installed_on_remote_actions():
    assert RemoteAction._validate_action_result is validate_action_result


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass(result):
    jsonschema.validate(result, RemoteAction.action_response_format_spec())  # Rasa's check agrees
    assert RemoteAction("action_x", None)._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_as_in_rasa(result):
    with pytest.raises(jsonschema.ValidationError) as expected:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as raised:
        RemoteAction("action_x", None)._validate_action_result(result)
    assert raised.value.message.startswith(expected.value.message + ". Failed to validate Action server response")
