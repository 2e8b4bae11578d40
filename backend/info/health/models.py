"""A hospital or community health centre."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin
from backend.directory.models import Street
from backend.extensions import db


class Facility(TimestampMixin, db.Model):
    __tablename__ = "health_facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # hospital | health_centre (社区卫生服务中心 / 卫生院)
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(32), default="")
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(64))
    # Department names as residents read them: ["儿科", "口腔科", …].
    departments: Mapped[list] = mapped_column(JSON, default=list)
    outpatient_hours: Mapped[str] = mapped_column(String(200))
    # None: no emergency department.
    emergency_hours: Mapped[str | None] = mapped_column(String(100))
    weekend_clinic: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    street: Mapped[Street] = relationship(lazy="joined")
