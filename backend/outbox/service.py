"""Queueing side effects in the caller's transaction."""

from __future__ import annotations

from backend.extensions import db
from backend.outbox.models import OutboxMessage


def enqueue(*, kind: str, payload: dict, dedupe_key: str) -> OutboxMessage:
    """Adds a message to the caller's session; it is delivered only if the caller commits."""
    message = OutboxMessage(kind=kind, payload=payload, dedupe_key=dedupe_key)
    db.session.add(message)
    return message
