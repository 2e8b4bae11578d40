"""Activity models: the activity an organiser publishes and each resident's sign-up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin, UTCDateTime
from backend.directory.models import Staff, Street
from backend.extensions import db

CONFIRMED, WAITLISTED, CANCELLED = "confirmed", "waitlisted", "cancelled"
SIGNUP_STATUSES = (CONFIRMED, WAITLISTED, CANCELLED)
PUBLISHED = "published"


class Activity(TimestampMixin, db.Model):
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signup_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    cancel_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=PUBLISHED)
    # Kept under the activity's row lock by every sign-up and cancellation, so lists need no COUNT.
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0)
    waitlisted_count: Mapped[int] = mapped_column(Integer, default=0)
    # The last waitlist ticket handed out: tickets order the waitlist (first come, first promoted).
    waitlist_seq: Mapped[int] = mapped_column(Integer, default=0)
    street: Mapped[Street] = relationship(lazy="joined")
    organiser: Mapped[Staff] = relationship(lazy="joined")


class ActivitySignup(TimestampMixin, db.Model):
    __tablename__ = "activity_signups"
    __table_args__ = (UniqueConstraint("activity_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    # The waitlist ticket (activity.waitlist_seq when this resident joined the waitlist); None if never waitlisted.
    waitlist_ticket: Mapped[int | None] = mapped_column(Integer)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Service hours in half hours (the 志愿服务记录 rule gives whole and half hours only).
    half_hours: Mapped[int] = mapped_column(Integer, default=0)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activity: Mapped[Activity] = relationship(lazy="joined")
