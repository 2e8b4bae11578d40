"""Catalog models: a service item with its full guide."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.models import TimestampMixin, UTCDateTime
from backend.directory.models import Department
from backend.extensions import db

AUDIENCES = ("个人", "法人")
STATUSES = ("draft", "published")
THEMES = (
    "生育收养", "户籍办理", "婚姻家庭", "社会保障", "医疗卫生", "住房", "教育", "就业创业",
    "市场准入", "交通出行", "社会救助", "水电气", "养老服务", "证照办理",
)


class ServiceItem(TimestampMixin, db.Model):
    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    audience: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(Text, default="")
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    conditions: Mapped[list] = mapped_column(JSON, default=list)
    materials: Mapped[list] = mapped_column(JSON, default=list)
    steps: Mapped[list] = mapped_column(JSON, default=list)
    legal_time_limit_days: Mapped[int | None] = mapped_column(Integer)
    # 0 means 即办 (handled on the spot).
    promised_time_limit_days: Mapped[int] = mapped_column(Integer, default=0)
    fee: Mapped[str] = mapped_column(String(255), default="不收费")
    places: Mapped[list] = mapped_column(JSON, default=list)
    online_url: Mapped[str | None] = mapped_column(String(512))
    faq: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The search-index revision that last indexed this item (see backend/catalog/search.py).
    search_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)
    department: Mapped[Department] = relationship(lazy="joined")
    theme_rows: Mapped[list[ServiceItemTheme]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ServiceItemTheme.position"
    )

    @property
    def themes(self) -> list[str]:
        return [row.theme for row in self.theme_rows]

    @themes.setter
    def themes(self, values: list[str]) -> None:
        self.theme_rows = [
            ServiceItemTheme(theme=value, position=position) for position, value in enumerate(dict.fromkeys(values))
        ]


class ServiceItemTheme(db.Model):
    """One life-event theme of an item; a table so that browsing by theme is an indexed query."""

    __tablename__ = "service_item_themes"

    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)
    # The editor's order (the first theme is the main one), kept so that export → import is lossless.
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SearchDocument(db.Model):
    """An item's postings for the search index, one row per item: `terms` is "key weight key weight …"
    (space-separated; keys are words and bigrams, weak-field ones prefixed, see text.py), so a process
    loads the whole index from 10,000 short rows instead of millions of single postings."""

    __tablename__ = "catalog_search_documents"

    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"), primary_key=True)
    terms: Mapped[str] = mapped_column(Text, default="")


class SearchState(db.Model):
    """The single row whose UPDATE serialises index writers and numbers their revisions."""

    __tablename__ = "catalog_search_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class SearchRevision(db.Model):
    """A committed index revision with a random token, so a process can tell its cache is current."""

    __tablename__ = "catalog_search_revisions"

    revision: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
