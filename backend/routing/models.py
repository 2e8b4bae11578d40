"""The routing table: which department handles a complaint category."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin
from backend.directory.models import Department, Street
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
    overrides: Mapped[list[RoutingStreetRule]] = relationship(
        primaryjoin="RoutingRule.category == foreign(RoutingStreetRule.category)", viewonly=True,
        order_by="RoutingStreetRule.street_id", lazy="select")


class RoutingStreetRule(TimestampMixin, db.Model):
    """A street's own department for a category; it wins over the county-wide rule of that category."""

    __tablename__ = "routing_street_rules"
    __table_args__ = (UniqueConstraint("category", "street_id", name="uq_routing_street_rules_category_street"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(ForeignKey("routing_rules.category", ondelete="CASCADE"))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    street: Mapped[Street] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
