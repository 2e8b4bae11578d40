"""The error the info services raise; the edge (views) turns it into the JSON error body."""

from __future__ import annotations

from backend.core.errors import error_body

STATUS = {"invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403}


class InfoError(Exception):
    """A refused request: kind (invalid | not_found | conflict | forbidden), a Chinese message, the field at fault."""

    def __init__(self, kind: str, message: str, field: str | None = None):
        super().__init__(message)
        self.kind, self.message, self.field = kind, message, field


def invalid(field: str, message: str) -> InfoError:
    """A request whose field is wrong."""
    return InfoError("invalid", message, field)


def to_response(exc: InfoError):
    """The JSON error response of an InfoError."""
    from flask import jsonify

    status = STATUS[exc.kind]
    response = jsonify(error_body(status, exc.message, {exc.field: [exc.message]} if exc.field else None))
    response.status_code = status
    return response
