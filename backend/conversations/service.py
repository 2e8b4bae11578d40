"""Conversation services: find or start a resident's conversation, log turns, flag handoffs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from backend.conversations.models import ChatTurn, Conversation
from backend.core.masking import mask_data, mask_text
from backend.core.models import utcnow
from backend.extensions import db


def get(*, conversation_id: int) -> Conversation | None:
    """Gets a conversation by id."""
    return db.session.get(Conversation, conversation_id)


def get_by_sender(*, sender_id: str) -> Conversation | None:
    """Gets the conversation Rasa knows under this sender id."""
    return db.session.scalar(select(Conversation).where(Conversation.sender_id == sender_id))


_CONVERSATION_OF = select(Conversation.id, Conversation.sender_id).where(
    Conversation.resident_id == bindparam("resident_id"))
_COUNT_TURN = (
    update(Conversation).where(Conversation.id == bindparam("conversation_id"))
    .values(turn_count=Conversation.turn_count + 1, last_turn_at=bindparam("said_at"))
)


def open_conversation(*, resident_id: int) -> tuple[int, str]:
    """The resident's (conversation id, sender id), creating and committing the conversation on the first message."""
    row = db.session.execute(_CONVERSATION_OF, {"resident_id": resident_id}).first()
    if row is None:
        # Committed before Rasa is asked: the bot's actions (handoff) look it up from another process.
        db.session.add(Conversation(resident_id=resident_id, sender_id=str(resident_id)))
        try:
            db.session.commit()
        except IntegrityError:  # two first messages at once: the other one created it
            db.session.rollback()
        row = db.session.execute(_CONVERSATION_OF, {"resident_id": resident_id}).one()
    return row.id, row.sender_id


def turn_row(*, conversation_id: int, text: str, replies: list[dict], outcome: str, latency_ms: int,
             created_at: datetime, understanding: dict | None = None) -> dict:
    """The chat_turns row of one turn (record_turn masks it)."""
    understanding = understanding or {}
    return {
        "conversation_id": conversation_id, "text": text, "replies": replies, "outcome": outcome,
        "latency_ms": latency_ms, "created_at": created_at,
        "intent": understanding.get("intent"), "confidence": understanding.get("confidence"),
        "ranking": understanding.get("ranking") or [], "entities": understanding.get("entities") or [],
        "response_selector": understanding.get("response_selector") or {},
        "actions": understanding.get("actions") or [],
    }


# What a turn stores that came from the resident or repeats them: trainers see these, personal data masked.
MASKED_TURN_FIELDS = ("text", "replies", "entities", "response_selector")


def record_turn(row: dict) -> None:
    """Stores one turn (a turn_row), personal data masked, and counts it on its conversation: one commit."""
    row = {**row, **{key: mask_data(row[key]) for key in MASKED_TURN_FIELDS if key in row}}
    db.session.execute(insert(ChatTurn), row)
    db.session.execute(_COUNT_TURN, {"conversation_id": row["conversation_id"], "said_at": row["created_at"]})
    db.session.commit()


def request_handoff(*, sender_id: str, reason: str) -> Conversation | None:
    """Flags a conversation for staff (转人工) and commits; None when the sender is unknown."""
    conversation = get_by_sender(sender_id=sender_id)
    if conversation is None:
        return None
    conversation.handoff_requested_at = utcnow()
    conversation.handoff_reason = mask_text(reason)[:255]
    db.session.commit()
    return conversation


def list_conversations(*, handoff_only: bool, page: int, limit: int) -> tuple[list[Conversation], int]:
    """Lists conversations, most recent first, optionally only those waiting for a person."""
    query = select(Conversation)
    if handoff_only:
        query = query.where(Conversation.handoff_requested_at.is_not(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Conversation.last_turn_at.desc().nulls_last(), Conversation.id.desc())
        .offset((page - 1) * limit).limit(limit)
    )
    return list(rows), total


def list_turns(*, conversation: Conversation, page: int, limit: int) -> tuple[list[ChatTurn], int]:
    """Lists a conversation's turns in the order they were said."""
    query = select(ChatTurn).where(ChatTurn.conversation_id == conversation.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(ChatTurn.created_at, ChatTurn.id).offset((page - 1) * limit).limit(limit))
    return list(rows), total
