"""Petition models: the ticket, its photos, audit trail, replies, internal notes and ratings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin, UTCDateTime, utcnow
from backend.directory.models import Community, Department, Street
from backend.extensions import db
from backend.residents.models import Resident

TYPES = ("投诉", "求助", "咨询", "建议", "表扬")
URGENCIES = ("normal", "urgent")
SOURCES = ("form", "bot", "open311")


class Petition(TimestampMixin, db.Model):
    __tablename__ = "petitions"
    __table_args__ = (
        # Retries with the same Idempotency-Key find the petition instead of filing a second one.
        UniqueConstraint("resident_id", "idempotency_key", name="uq_petitions_resident_idempotency"),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    type: Mapped[str] = mapped_column(String(8))
    content: Mapped[str] = mapped_column(Text)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    address: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    source: Mapped[str] = mapped_column(String(8), default="form")
    category: Mapped[str | None] = mapped_column(String(64))
    category_confidence: Mapped[float | None] = mapped_column(Float)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    accept_by: Mapped[datetime] = mapped_column(UTCDateTime)
    reply_by: Mapped[datetime] = mapped_column(UTCDateTime)
    close_by: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accept_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    reply_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    close_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    # none | requested | approved | rejected — the latest extension request (延期).
    extension_status: Mapped[str] = mapped_column(String(16), default="none")
    extension_days: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    returned_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("petitions.id"))

    resident: Mapped[Resident] = relationship(lazy="select")
    # Many-to-one lazy loads hit the identity map first; joining streets would also pull their communities.
    street: Mapped[Street] = relationship(lazy="select")
    community: Mapped[Community | None] = relationship(lazy="select")
    department: Mapped[Department | None] = relationship(lazy="joined")
    merged_into: Mapped[Petition | None] = relationship(remote_side=[id], lazy="select")
    photos: Mapped[list[PetitionPhoto]] = relationship(
        back_populates="petition", order_by="PetitionPhoto.position", lazy="select", cascade="all, delete-orphan"
    )
    transitions: Mapped[list[PetitionTransition]] = relationship(
        order_by="PetitionTransition.id", lazy="select", cascade="all, delete-orphan"
    )
    replies: Mapped[list[PetitionReply]] = relationship(
        order_by="PetitionReply.id", lazy="select", cascade="all, delete-orphan"
    )
    notes: Mapped[list[PetitionNote]] = relationship(
        order_by="PetitionNote.id", lazy="select", cascade="all, delete-orphan"
    )
    ratings: Mapped[list[PetitionRating]] = relationship(
        order_by="PetitionRating.id", lazy="select", cascade="all, delete-orphan"
    )


class PetitionCounter(db.Model):
    """The last number handed out on one day (Beijing time); bumped atomically by an upsert."""

    __tablename__ = "petition_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class PetitionPhoto(db.Model):
    __tablename__ = "petition_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    petition: Mapped[Petition] = relationship(back_populates="photos")


class PetitionTransition(db.Model):
    """One audited state change: who (kind/id/role), when, from, to, which action and why."""

    __tablename__ = "petition_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str | None] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    department: Mapped[Department | None] = relationship(lazy="joined")


class PetitionReply(db.Model):
    """A clerk's answer; residents see it."""

    __tablename__ = "petition_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    department: Mapped[Department] = relationship(lazy="joined")


class PetitionNote(db.Model):
    """An internal note between staff; never shown to residents."""

    __tablename__ = "petition_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PetitionRating(db.Model):
    """The resident's rating of one handling round (a reopened petition can be rated again)."""

    __tablename__ = "petition_ratings"
    __table_args__ = (
        UniqueConstraint("petition_id", "round", name="uq_petition_ratings_round"),
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
