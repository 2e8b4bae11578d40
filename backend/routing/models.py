"""The routing table: which department handles a complaint category."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin
from backend.directory.models import Department
from backend.extensions import db


class RoutingRule(TimestampMixin, db.Model):
    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Category codes are shared with the Rasa bot (complain/<code>); never rename them.
    category: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    covers: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    department: Mapped[Department] = relationship(lazy="joined")
