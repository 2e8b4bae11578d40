"""Petition lists: the resident's own, and the staff's filtered and department-scoped list."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import exists, func, or_, select

from backend.calendar.service import BEIJING
from backend.core.models import utcnow
from backend.core.security import Principal
from backend.directory.models import Community, Department, Street
from backend.extensions import db
from backend.petitions import queues, states
from backend.petitions.access import OVERSIGHT_ROLES
from backend.petitions.errors import PetitionError
from backend.petitions.models import Petition, PetitionRating


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


def staff_scope(principal: Principal):
    """The where-clause limiting a staff member to what they may see (None = everything)."""
    if principal.has_role(*OVERSIGHT_ROLES):
        return None
    if principal.role == "clerk" and principal.department_id:
        return Petition.department_id == principal.department_id
    raise PetitionError(403, "您的账号没有查看诉求的权限")


def queue_counts(*, principal: Principal) -> list[dict]:
    """The sizes of the staff member's queues."""
    return queues.counts(staff_scope(principal), utcnow())


SORTS = {
    "deadline": lambda: (queues.stage_deadline().asc(), Petition.id.asc()),
    "-created": lambda: (Petition.id.desc(),),
    "created": lambda: (Petition.id.asc(),),
}


def list_for_staff(*, principal: Principal, filters: dict, page: int, limit: int) -> tuple[list, int]:
    """Petitions a staff member may see, filtered; clerks only ever get their department's."""
    query = select(Petition)
    scope = staff_scope(principal)
    if scope is not None:
        query = query.where(scope)
    queue = filters.get("queue")
    if queue == "manual":
        query = query.where(Petition.status.in_(states.QUEUE))
    elif queue:
        query = query.where(queues.condition(queue, utcnow()))
    if filters.get("status"):
        query = query.where(Petition.status == filters["status"])
    if filters.get("department"):
        query = query.join(Department, Petition.department_id == Department.id).where(
            Department.code == filters["department"])
    if filters.get("street"):
        query = query.join(Street, Petition.street_id == Street.id).where(Street.code == filters["street"])
    if filters.get("community"):
        query = query.join(Community, Petition.community_id == Community.id).where(
            Community.code == filters["community"])
    if filters.get("category"):
        query = query.where(Petition.category == filters["category"])
    if filters.get("type"):
        query = query.where(Petition.type == filters["type"])
    if filters.get("rating"):
        query = query.where(exists().where(PetitionRating.petition_id == Petition.id,
                                           PetitionRating.score == filters["rating"]))
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
    return _page(query.order_by(*SORTS[filters.get("sort") or "-created"]()), page, limit)
