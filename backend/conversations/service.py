"""Conversation services: find or start a resident's conversation, log turns, flag handoffs."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.conversations.models import ChatTurn, Conversation
from backend.core.masking import mask_text
from backend.core.models import utcnow
from backend.extensions import db


def get(*, conversation_id: int) -> Conversation | None:
    """Gets a conversation by id."""
    return db.session.get(Conversation, conversation_id)


def get_by_sender(*, sender_id: str) -> Conversation | None:
    """Gets the conversation Rasa knows under this sender id."""
    return db.session.scalar(select(Conversation).where(Conversation.sender_id == sender_id))


def get_or_create(*, resident_id: int) -> Conversation:
    """Returns the resident's conversation, creating (and committing) it on the first message."""
    conversation = db.session.scalar(select(Conversation).where(Conversation.resident_id == resident_id))
    if conversation is None:
        # Committed before Rasa is asked: the bot's actions (handoff) look it up from another process.
        conversation = Conversation(resident_id=resident_id, sender_id=str(resident_id))
        db.session.add(conversation)
        try:
            db.session.commit()
        except IntegrityError:  # two first messages at once: the other one created it
            db.session.rollback()
            conversation = db.session.scalar(select(Conversation).where(Conversation.resident_id == resident_id))
    return conversation


def record_turn(*, conversation: Conversation, text: str, replies: list[dict], outcome: str,
                latency_ms: int, understanding: dict | None = None) -> ChatTurn:
    """Stores one turn (text masked) and commits."""
    understanding = understanding or {}
    turn = ChatTurn(
        conversation=conversation, text=mask_text(text), replies=replies, outcome=outcome, latency_ms=latency_ms,
        intent=understanding.get("intent"), confidence=understanding.get("confidence"),
        ranking=understanding.get("ranking") or [], entities=understanding.get("entities") or [],
        response_selector=understanding.get("response_selector") or {},
        actions=understanding.get("actions") or [],
    )
    conversation.turn_count += 1
    conversation.last_turn_at = utcnow()
    db.session.add(turn)
    db.session.commit()
    return turn


def request_handoff(*, sender_id: str, reason: str) -> Conversation | None:
    """Flags a conversation for staff (转人工) and commits; None when the sender is unknown."""
    conversation = get_by_sender(sender_id=sender_id)
    if conversation is None:
        return None
    conversation.handoff_requested_at = utcnow()
    conversation.handoff_reason = reason[:255]
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
    """Lists a conversation's turns in order."""
    query = select(ChatTurn).where(ChatTurn.conversation_id == conversation.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(ChatTurn.id).offset((page - 1) * limit).limit(limit))
    return list(rows), total
