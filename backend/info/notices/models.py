"""A notice and the residents who have read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin, UTCDateTime, utcnow
from backend.directory.models import Community, Staff, Street
from backend.extensions import db


class Notice(TimestampMixin, db.Model):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    # general | water | power | gas (the outages carry an affected area and a time window)
    category: Mapped[str] = mapped_column(String(16), default="general")
    # No street: the whole district; a community narrows a street's notice further.
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    affected_area: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last rejection's or withdrawal's reason, shown to the author.
    status_reason: Mapped[str | None] = mapped_column(String(200))

    street: Mapped[Street | None] = relationship(lazy="joined")
    community: Mapped[Community | None] = relationship(lazy="joined")
    author: Mapped[Staff] = relationship(foreign_keys=[author_id], lazy="joined")
    approver: Mapped[Staff | None] = relationship(foreign_keys=[approver_id], lazy="joined")

    __table_args__ = (
        Index("ix_notices_status_street", "status", "street_id"),
    )


class NoticeRead(db.Model):
    __tablename__ = "notice_reads"

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
