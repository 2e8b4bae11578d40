"""Petition lists: the resident's own, and the staff's filtered and department-scoped list."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, or_, select

from backend.calendar.service import BEIJING
from backend.core.security import Principal
from backend.directory.models import Department, Street
from backend.extensions import db
from backend.petitions import states
from backend.petitions.access import OVERSIGHT_ROLES
from backend.petitions.errors import PetitionError
from backend.petitions.models import Petition


def _page(query, page: int, limit: int) -> tuple[list[Petition], int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(limit).offset((page - 1) * limit)).all()
    return list(items), total


def list_for_resident(*, resident_id: int, status: str | None, page: int, limit: int) -> tuple[list, int]:
    """The resident's petitions, newest first."""
    query = select(Petition).where(Petition.resident_id == resident_id)
    if status:
        query = query.where(Petition.status == status)
    return _page(query.order_by(Petition.id.desc()), page, limit)


def _day_start(day) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=BEIJING)


def list_for_staff(*, principal: Principal, filters: dict, page: int, limit: int) -> tuple[list, int]:
    """Petitions a staff member may see, filtered; clerks only ever get their department's."""
    query = select(Petition)
    if principal.has_role(*OVERSIGHT_ROLES):
        pass
    elif principal.role == "clerk" and principal.department_id:
        query = query.where(Petition.department_id == principal.department_id)
    else:
        raise PetitionError(403, "您的账号没有查看诉求的权限")
    if filters.get("queue") == "manual":
        query = query.where(Petition.status.in_(states.QUEUE))
    if filters.get("status"):
        query = query.where(Petition.status == filters["status"])
    if filters.get("department"):
        query = query.join(Department, Petition.department_id == Department.id).where(
            Department.code == filters["department"])
    if filters.get("street"):
        query = query.join(Street, Petition.street_id == Street.id).where(Street.code == filters["street"])
    if filters.get("type"):
        query = query.where(Petition.type == filters["type"])
    if "overdue" in filters:
        flagged = or_(Petition.accept_overdue, Petition.reply_overdue, Petition.close_overdue)
        query = query.where(flagged if filters["overdue"] else ~flagged)
    if filters.get("date_from"):
        query = query.where(Petition.created_at >= _day_start(filters["date_from"]))
    if filters.get("date_to"):
        query = query.where(Petition.created_at < _day_start(filters["date_to"] + timedelta(days=1)))
    if filters.get("q"):
        needle = "%" + filters["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Petition.content.like(needle, escape="\\"), Petition.number == filters["q"],
                                Petition.address.like(needle, escape="\\")))
    return _page(query.order_by(Petition.id.desc()), page, limit)
