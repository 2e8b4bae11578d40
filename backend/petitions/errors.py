"""The error petition services raise; the app's handler turns it into the JSON error body."""

from __future__ import annotations

from backend.core.errors import Refused


class PetitionError(Refused):
    """A refused petition request with a Chinese message (and per-field errors for 422)."""


def invalid(field: str, message: str) -> PetitionError:
    """A 422 naming the field at fault."""
    return PetitionError(422, message, {field: [message]})
