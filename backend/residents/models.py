"""A resident signed in through the WeChat mini-program."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin
from backend.directory.models import Community, Street
from backend.extensions import db


class Resident(TimestampMixin, db.Model):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    # WeChat's session_key stays on the server, encrypted; it is never serialised.
    session_key_encrypted: Mapped[str | None] = mapped_column(Text)
    nickname: Mapped[str] = mapped_column(String(64), default="")
    # Stored encrypted; only the last four digits are kept in clear for masking.
    phone_encrypted: Mapped[str | None] = mapped_column(Text)
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    street: Mapped[Street | None] = relationship(lazy="joined")
    community: Mapped[Community | None] = relationship(lazy="joined")
