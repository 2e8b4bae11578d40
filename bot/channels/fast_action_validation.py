"""Validates action server responses with one compiled JSON-schema validator instead of a new one per call.

Rasa 3.6 checks every custom action's response with `jsonschema.validate(result, schema)`, which
validates the schema itself against the JSON-schema meta-schema and builds a new validator each time:
about 40 % of the Rasa server's CPU per message in this bot (profiled with py-spy; forms call the
action server on every turn). The schema never changes, so it is checked once; responses are
validated exactly as before and fail with the same ValidationError and message.
"""

from __future__ import annotations

from typing import Any, Dict, Text

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_validator: Any = None


def _compiled() -> Any:
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        cls = validators.validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with the compiled validator."""
    error = exceptions.best_match(_compiled().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Replaces Rasa's per-call validation (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result

