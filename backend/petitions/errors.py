"""The error services raise; the app's handler turns it into the JSON error body."""

from __future__ import annotations

from werkzeug.exceptions import HTTPException


class PetitionError(HTTPException):
    """A refused request with a Chinese message (and per-field errors for 422)."""

    def __init__(self, status: int, message: str, errors: dict | None = None):
        super().__init__(description=message)
        self.code = status
        self.data = {"message": message, "errors": errors} if errors else {"message": message}


def invalid(field: str, message: str) -> PetitionError:
    """A 422 naming the field at fault."""
    return PetitionError(422, message, {field: [message]})
