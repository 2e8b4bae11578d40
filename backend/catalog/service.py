"""Catalog services: create, update, publish and import service items."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from backend.catalog.models import ServiceItem
from backend.core.models import utcnow
from backend.directory import service as directory
from backend.extensions import db

FIELDS = (
    "name", "audience", "summary", "aliases", "keywords", "conditions", "materials", "steps",
    "legal_time_limit_days", "promised_time_limit_days", "fee", "places", "online_url", "faq",
)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


def get_by_code(*, code: str) -> ServiceItem | None:
    """Gets a service item by its code."""
    return db.session.scalar(select(ServiceItem).where(ServiceItem.code == code))


def apply(*, item: ServiceItem, data: dict) -> ServiceItem:
    """Copies validated fields onto an item (department by code, themes, status)."""
    for field in FIELDS:
        if field in data:
            setattr(item, field, data[field])
    if "department" in data:
        department = directory.get_department_by_code(code=data["department"])
        if department is None:
            raise ValueError(f"unknown department {data['department']!r}")
        item.department = department
    if "themes" in data:
        item.themes = data["themes"]
    if "status" in data and data["status"] != item.status:
        item.status = data["status"]
        item.published_at = utcnow() if item.status == "published" else None
    return item


def import_items(*, rows: list[dict]) -> ImportResult:
    """Upserts already validated rows by code in one transaction."""
    result = ImportResult()
    for row in rows:
        item = get_by_code(code=row["code"])
        if item is None:
            item = apply(item=ServiceItem(code=row["code"]), data=row)
            db.session.add(item)
            result.created += 1
        else:
            apply(item=item, data=row)
            result.updated += 1
    db.session.commit()
    return result
