"""A resident's conversation with the bot and its turns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin, UTCDateTime, utcnow
from backend.extensions import db


class Conversation(TimestampMixin, db.Model):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    # The id Rasa knows the conversation by (the resident's id as text).
    sender_id: Mapped[str] = mapped_column(String(64), unique=True)
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    last_turn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    handoff_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    handoff_reason: Mapped[str | None] = mapped_column(String(255))


class ChatTurn(db.Model):
    """One resident message and the bot's answer, as the trainer console shows it."""

    __tablename__ = "chat_turns"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    # Personal data is masked before the text is stored.
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(128), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    ranking: Mapped[list] = mapped_column(JSON, default=list)
    entities: Mapped[list] = mapped_column(JSON, default=list)
    response_selector: Mapped[dict] = mapped_column(JSON, default=dict)
    actions: Mapped[list] = mapped_column(JSON, default=list)
    replies: Mapped[list] = mapped_column(JSON, default=list)
    # ok | empty | no_reply | bot_unavailable
    outcome: Mapped[str] = mapped_column(String(32), default="ok", index=True)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    conversation: Mapped[Conversation] = relationship()
