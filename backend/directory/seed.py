"""Demo directory: departments, streets, communities, demo staff accounts."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from backend.directory import service
from backend.directory.models import Community, Department, Street
from backend.extensions import db

DATA = Path(__file__).parent / "data"
DEMO_PASSWORD = "jiangning2026"
DEMO_ROLES = {
    "dispatcher": "派单员（演示）",
    "supervisor": "督办员（演示）",
    "trainer": "机器人训练师（演示）",
    "editor": "事项编辑（演示）",
    "organiser": "活动组织者（演示）",
    "admin": "系统管理员（演示）",
}


def read_tsv(name: str) -> list[dict]:
    """Reads one of the directory's TSV files."""
    with open(DATA / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _upsert(model, key: str, rows: list[dict], **extra) -> dict:
    existing = {getattr(obj, key): obj for obj in db.session.scalars(select(model))}
    for row in rows:
        obj = existing.get(row[key]) or model()
        for field, value in {**row, **extra}.items():
            setattr(obj, field, value)
        db.session.add(obj)
        existing[row[key]] = obj
    db.session.flush()
    return existing


def load_directory() -> tuple[dict, dict]:
    """Upserts departments, streets and communities from the TSV files."""
    departments = _upsert(Department, "code", read_tsv("departments.tsv"))
    streets = _upsert(Street, "code", [
        {**row, "latitude": float(row["latitude"]), "longitude": float(row["longitude"])}
        for row in read_tsv("streets.tsv")
    ])
    communities = read_tsv("communities.tsv")
    _upsert(Community, "code", [
        {"code": row["code"], "name": row["name"], "street_id": streets[row["street"]].id} for row in communities
    ])
    return departments, streets


def load_staff(departments: dict) -> int:
    """Creates the demo accounts that are missing (existing ones keep their passwords)."""
    wanted = [(role, role, label, None) for role, label in DEMO_ROLES.items()]
    wanted += [
        (f"clerk_{code}", "clerk", f"{dept.name}办理员（演示）", dept) for code, dept in departments.items()
    ]
    created = 0
    for username, role, label, department in wanted:
        if service.get_staff_by_username(username=username) is None:
            service.create_staff(
                username=username, password=DEMO_PASSWORD, role=role, display_name=label,
                department=department, is_demo=True,
            )
            created += 1
    return created


def load() -> str:
    """Loads the demo directory and accounts and commits."""
    departments, streets = load_directory()
    created = load_staff(departments)
    db.session.commit()
    return f"directory: {len(departments)} departments, {len(streets)} streets, {created} new demo accounts"
