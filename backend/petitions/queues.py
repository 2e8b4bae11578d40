"""The staff's work queues (待签收, 办理中 …) as SQL conditions, and their live counts in one query."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, or_, select

from backend.extensions import db
from backend.petitions import states
from backend.petitions.models import Petition, PetitionTransition

# A handling step whose deadline falls within this time is 即将超时.
DUE_SOON = timedelta(hours=24)
OPEN = (states.DISPATCHED, states.ACCEPTED)
QUEUES = (
    ("pending_accept", "待签收"),
    ("in_progress", "办理中"),
    ("due_soon", "即将超时"),
    ("overdue", "已超时"),
    ("replied", "已答复待评价"),
    ("closed", "已办结"),
    ("returned_transferred", "退回/转派"),
)
LABELS = dict(QUEUES)


def stage_deadline():
    """The deadline of the step the petition waits for: 签收 while dispatched, 答复 while accepted, else 办结."""
    return case((Petition.status == states.DISPATCHED, Petition.accept_by),
                (Petition.status == states.ACCEPTED, Petition.reply_by), else_=Petition.close_by)


def condition(key: str, now: datetime):
    """The SQL condition of a queue."""
    deadline = stage_deadline()
    if key == "pending_accept":
        return Petition.status == states.DISPATCHED
    if key == "in_progress":
        return Petition.status == states.ACCEPTED
    if key == "due_soon":
        return and_(Petition.status.in_(OPEN), deadline >= now, deadline < now + DUE_SOON)
    if key == "overdue":
        return and_(Petition.status.in_(OPEN), deadline < now)
    if key == "replied":
        return Petition.status == states.REPLIED
    if key == "closed":
        return Petition.status == states.CLOSED
    if key == "returned_transferred":
        transferred = exists().where(PetitionTransition.petition_id == Petition.id,
                                     PetitionTransition.action == "transfer")
        return and_(Petition.status.not_in(states.FINAL),
                    or_(Petition.status == states.RETURNED, Petition.returned_count > 0, transferred))
    raise KeyError(key)


def counts(scope, now: datetime) -> list[dict]:
    """Each queue's size within the scope (a where-clause or None), counted in one pass."""
    columns = [func.coalesce(func.sum(case((condition(key, now), 1), else_=0)), 0) for key, _ in QUEUES]
    query = select(*columns).select_from(Petition)
    if scope is not None:
        query = query.where(scope)
    row = db.session.execute(query).one()
    return [{"key": key, "label": label, "count": int(value)} for (key, label), value in zip(QUEUES, row, strict=True)]
