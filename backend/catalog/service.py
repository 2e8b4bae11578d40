"""Catalog services: find, create, update, publish and import service items (each write reindexes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from backend.catalog import index, search
from backend.catalog.models import THEMES, ServiceItem, ServiceItemTheme
from backend.core.models import utcnow
from backend.directory import service as directory
from backend.directory.models import Department
from backend.extensions import db

FIELDS = (
    "name", "audience", "summary", "aliases", "keywords", "conditions", "materials", "steps",
    "legal_time_limit_days", "promised_time_limit_days", "fee", "places", "online_url", "faq",
)


class DuplicateCode(Exception):
    """An item with this code exists already."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


@dataclass
class Page:
    items: list[ServiceItem]
    total: int
    page: int
    limit: int


def get_by_code(*, code: str) -> ServiceItem | None:
    """Gets a service item by its code."""
    return db.session.scalar(select(ServiceItem).where(ServiceItem.code == code))


def get_published(*, code: str) -> ServiceItem | None:
    """Gets a published service item by its code (drafts are invisible to residents)."""
    item = get_by_code(code=code)
    return item if item is not None and item.status == "published" else None


# A result list shows these; the guide's JSON fields (materials, steps, places…) stay unloaded.
SUMMARY_COLUMNS = (
    ServiceItem.id, ServiceItem.code, ServiceItem.name, ServiceItem.department_id, ServiceItem.audience,
    ServiceItem.summary, ServiceItem.legal_time_limit_days, ServiceItem.promised_time_limit_days, ServiceItem.fee,
)


def _columns(full: bool) -> tuple:
    return () if full else (load_only(*SUMMARY_COLUMNS),)


def _by_ids(ids: list[int], *, full: bool) -> list[ServiceItem]:
    rows = db.session.scalars(select(ServiceItem).where(ServiceItem.id.in_(ids)).options(*_columns(full)))
    found = {item.id: item for item in rows}
    return [found[item_id] for item_id in ids if item_id in found]


def find_items(
    *, query: str | None = None, status: str | None = "published", theme: str | None = None,
    department: str | None = None, audience: str | None = None, page: int = 1, limit: int = 20, full: bool = False,
) -> Page:
    """Searches (ranked by relevance) or browses (by department, then code) the catalog, one page
    (summary columns only unless `full`)."""
    offset = (page - 1) * limit
    if query and query.strip():
        hits, total = search.search_page(query=query, status=status, theme=theme, department=department,
                                         audience=audience, offset=offset, limit=limit)
        return Page(_by_ids([hit.item_id for hit in hits], full=full), total, page, limit)
    conditions = []
    if status:
        conditions.append(ServiceItem.status == status)
    if theme:
        conditions.append(ServiceItem.theme_rows.any(ServiceItemTheme.theme == theme))
    if department:
        conditions.append(Department.code == department)
    if audience:
        conditions.append(ServiceItem.audience == audience)
    joined = select(ServiceItem.id).join(Department, ServiceItem.department_id == Department.id).where(*conditions)
    total = db.session.scalar(select(func.count()).select_from(joined.subquery()))
    rows = db.session.scalars(
        select(ServiceItem).join(Department, ServiceItem.department_id == Department.id).where(*conditions)
        .order_by(Department.id, ServiceItem.code).offset(offset).limit(limit).options(*_columns(full))
    )
    return Page(list(rows), total, page, limit)


def _time_limit_text(promised: int | None, legal: int | None) -> str:
    if not promised:
        return "即办"
    text = f"承诺 {promised} 个工作日"
    return text + f"（法定 {legal} 个工作日）" if legal else text


def summaries(ids: list[int]) -> list[dict]:
    """Result-list entries (ItemSummarySchema's fields) as plain dicts, in the order of `ids`: from this
    process's memo of the current search revision, else one Core query for the columns and one for the
    themes, no ORM objects."""
    memo = search.summary_memo()
    missing = [item_id for item_id in ids if item_id not in memo]
    if missing:
        memo.update(_load_summaries(missing))
    return [memo[item_id] for item_id in ids if item_id in memo]


def _load_summaries(ids: list[int]) -> dict[int, dict]:
    rows = db.session.execute(
        select(ServiceItem.id, ServiceItem.code, ServiceItem.name, Department.code, Department.name,
               ServiceItem.audience, ServiceItem.summary, ServiceItem.promised_time_limit_days,
               ServiceItem.legal_time_limit_days, ServiceItem.fee)
        .join(Department, ServiceItem.department_id == Department.id).where(ServiceItem.id.in_(ids))
    ).all()
    themes: dict[int, list[str]] = {item_id: [] for item_id in ids}
    for item_id, theme in db.session.execute(
        select(ServiceItemTheme.item_id, ServiceItemTheme.theme).where(ServiceItemTheme.item_id.in_(ids))
        .order_by(ServiceItemTheme.item_id, ServiceItemTheme.position)
    ):
        themes[item_id].append(theme)
    return {
        item_id: {
            "code": code, "name": name, "department": {"code": department_code, "name": department_name},
            "audience": audience, "themes": themes[item_id], "summary": summary,
            "promised_time_limit_days": promised, "time_limit_text": _time_limit_text(promised, legal), "fee": fee,
        }
        for item_id, code, name, department_code, department_name, audience, summary, promised, legal, fee in rows
    }


def search_summary_page(*, query: str, theme: str | None = None, department: str | None = None,
                        audience: str | None = None, page: int = 1, limit: int = 20) -> dict:
    """One page of published items matching a question, as ItemPageSchema's plain data (the resident
    API's hot path)."""
    hits, total = search.search_page(query=query, status="published", theme=theme, department=department,
                                     audience=audience, offset=(page - 1) * limit, limit=limit)
    scores = {hit.code: round(hit.score, 2) for hit in hits}
    items = [{**entry, "score": scores[entry["code"]]} for entry in summaries([hit.item_id for hit in hits])]
    return {"items": items, "total": total, "page": page, "limit": limit}


def theme_counts() -> list[dict]:
    """Every theme with the number of published items in it (in the catalog's theme order)."""
    counts = dict(db.session.execute(
        select(ServiceItemTheme.theme, func.count()).join(ServiceItem)
        .where(ServiceItem.status == "published").group_by(ServiceItemTheme.theme)
    ).all())
    return [{"name": theme, "count": counts.get(theme, 0)} for theme in THEMES]


def apply(*, item: ServiceItem, data: dict, departments: dict[str, Department] | None = None) -> ServiceItem:
    """Copies validated fields onto an item (department by code, themes, status)."""
    for field in FIELDS:
        if field in data:
            setattr(item, field, data[field])
    if "department" in data:
        department = (departments.get(data["department"]) if departments is not None
                      else directory.get_department_by_code(code=data["department"]))
        if department is None:
            raise ValueError(f"unknown department {data['department']!r}")
        item.department = department
    if "themes" in data:
        item.themes = data["themes"]
    if "status" in data and data["status"] != item.status:
        item.status = data["status"]
        item.published_at = utcnow() if item.status == "published" else None
    return item


def create_item(*, data: dict) -> ServiceItem:
    """Creates an item from validated data (a draft unless told otherwise) and commits."""
    if get_by_code(code=data["code"]) is not None:
        raise DuplicateCode(data["code"])
    item = apply(item=ServiceItem(code=data["code"], status="draft"), data=data)
    db.session.add(item)
    index.reindex(items=[item])
    db.session.commit()
    return item


def update_item(*, item: ServiceItem, data: dict) -> ServiceItem:
    """Changes an item's fields from validated data and commits."""
    apply(item=item, data=data)
    index.reindex(items=[item])
    db.session.commit()
    return item


def set_status(*, item: ServiceItem, status: str) -> ServiceItem:
    """Publishes or unpublishes an item and commits."""
    return update_item(item=item, data={"status": status})


def import_items(*, rows: list[dict]) -> ImportResult:
    """Upserts already validated rows by code in one transaction."""
    result = ImportResult()
    existing = {item.code: item for item in db.session.scalars(
        select(ServiceItem).where(ServiceItem.code.in_([row["code"] for row in rows])))} if rows else {}
    departments = {department.code: department for department in directory.list_departments()}
    touched = []
    for row in rows:
        item = existing.get(row["code"])
        if item is None:
            item = apply(item=ServiceItem(code=row["code"], status="draft"), data=row, departments=departments)
            db.session.add(item)
            existing[row["code"]] = item
            result.created += 1
        else:
            apply(item=item, data=row, departments=departments)
            result.updated += 1
        touched.append(item)
    index.reindex(items=list({id(item): item for item in touched}.values()))
    db.session.commit()
    return result


def all_items() -> list[ServiceItem]:
    """Every item, drafts too, in code order (for export)."""
    return list(db.session.scalars(select(ServiceItem).order_by(ServiceItem.code)))
