"""Staff notifications: the inbox of supervisors and clerks (overdue alerts, later other kinds)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import UTCDateTime, utcnow
from backend.extensions import db
from backend.petitions.models import Petition

KIND_LABELS = {
    "accept_overdue": "签收超时",
    "reply_overdue": "答复超时",
    "close_overdue": "办结超时",
}
MESSAGE_MAX = 200


class StaffNotification(db.Model):
    __tablename__ = "staff_notifications"
    __table_args__ = (
        # One row per recipient and source (the outbox message's dedupe key): a handler run again after a
        # crash between its commit and the outbox's "sent" mark inserts nothing new.
        UniqueConstraint("staff_id", "source_key", name="uq_staff_notifications_staff_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    petition_id: Mapped[int | None] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(String(MESSAGE_MAX))
    source_key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    petition: Mapped[Petition | None] = relationship(lazy="select")
