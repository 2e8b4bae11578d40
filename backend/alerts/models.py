"""Alert models: the alert, the streets it covers and its audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin, UTCDateTime
from backend.directory.models import Street
from backend.extensions import db

LEVELS = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
PENDING, ACTIVE, WITHDRAWN = "pending_confirmation", "active", "withdrawn"
STATUSES = (PENDING, ACTIVE, WITHDRAWN)

alert_streets = Table(
    "alert_streets", db.metadata,
    Column("alert_id", ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True),
    Column("street_id", ForeignKey("streets.id"), primary_key=True),
)


class Alert(TimestampMixin, db.Model):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    # Bumped by each update that residents are told about again; messages carry the version they announce.
    version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual | weather
    # The weather warning an alert was proposed from: one proposal per warning.
    source_ref: Mapped[str | None] = mapped_column(String(128), unique=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    streets: Mapped[list[Street]] = relationship(secondary=alert_streets, lazy="selectin", order_by=Street.code)
    events: Mapped[list[AlertEvent]] = relationship(back_populates="alert", order_by="AlertEvent.id",
                                                    cascade="all, delete-orphan")


class AlertEvent(db.Model):
    """One audited action on an alert: who, when, what, and the values it set."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # propose | issue | confirm | update | withdraw
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    alert: Mapped[Alert] = relationship(back_populates="events")
