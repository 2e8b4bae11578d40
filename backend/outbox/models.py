"""One side effect waiting to be delivered (a WeChat message, an alert…)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.models import TimestampMixin, UTCDateTime, utcnow
from backend.extensions import db

# sending: claimed by a worker (not yet tried: claimed again if its lease runs out); delivering: being handed
# to a service that would repeat it (a crash now leaves it failed, never sent twice); cancelled: superseded
# before it was sent (an emergency alert updated or withdrawn).
STATUSES = ("pending", "sending", "delivering", "sent", "failed", "cancelled")
# Smaller is sooner: every due message of a smaller priority is claimed before any of a larger one.
PRIORITY_ALERT = 0
PRIORITY_ROUTINE = 10


class OutboxMessage(TimestampMixin, db.Model):
    __tablename__ = "outbox_messages"
    # The claim's order over the messages still to deliver (sent ones would otherwise be scanned past).
    __table_args__ = (Index("ix_outbox_messages_claim_order", "priority", "next_attempt_at", "id",
                            postgresql_where=text("status IN ('pending', 'sending')"),
                            sqlite_where=text("status IN ('pending', 'sending')")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    # The same change never queues the same message twice.
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    priority: Mapped[int] = mapped_column(SmallInteger, default=PRIORITY_ROUTINE, server_default=str(PRIORITY_ROUTINE))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
