"""Open311 partners (each with an API key) and the petitions they filed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin, UTCDateTime, utcnow
from backend.extensions import db
from backend.petitions.models import Petition
from backend.residents.models import Resident


class Partner(TimestampMixin, db.Model):
    """A platform allowed to file requests (a city 12345 platform, a grid-management system…)."""

    __tablename__ = "open311_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the API key: keys are 256-bit random, so a fast hash resists guessing as well as a slow one.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The key's first characters, to tell keys apart in the console without storing them.
    key_prefix: Mapped[str] = mapped_column(String(16))
    # Petitions need a filer: each partner files as a resident of its own (openid "open311:<id>").
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    requests_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    resident: Mapped[Resident] = relationship(lazy="select")


class PartnerRequest(db.Model):
    """A petition filed through Open311: by which partner, under which service code, with which token."""

    __tablename__ = "open311_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("open311_partners.id"), index=True)
    service_code: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    petition: Mapped[Petition] = relationship(lazy="joined")
    partner: Mapped[Partner] = relationship(lazy="joined")
