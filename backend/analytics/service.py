"""Petition metrics (三率 and more) per department or street over a period, computed in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select

from backend.calendar.service import BEIJING
from backend.core.models import utcnow
from backend.directory.models import Department, Street
from backend.extensions import db
from backend.petitions import states
from backend.petitions.models import Petition, PetitionRating

GROUPS = {"department": (Petition.department_id, Department), "street": (Petition.street_id, Street)}


@dataclass
class Metrics:
    """Counts and rates of one group; a rate is None when nothing could be measured."""

    key: object
    total: int = 0
    due_for_acceptance: int = 0
    accepted_in_time: int = 0
    rated: int = 0
    resolved: int = 0
    satisfied: int = 0
    closed: int = 0
    closed_in_time: int = 0
    dispatched: int = 0
    returned: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def response_rate(self):  # 响应率
        return self._rate(self.accepted_in_time, self.due_for_acceptance)

    @property
    def resolution_rate(self):  # 解决率
        return self._rate(self.resolved, self.rated)

    @property
    def satisfaction_rate(self):  # 满意率
        return self._rate(self.satisfied, self.rated)

    @property
    def on_time_closure_rate(self):
        return self._rate(self.closed_in_time, self.closed)

    @property
    def return_rate(self):
        return self._rate(self.returned, self.dispatched)

    def add(self, other: Metrics) -> None:
        for name in ("total", "due_for_acceptance", "accepted_in_time", "rated", "resolved", "satisfied",
                     "closed", "closed_in_time", "dispatched", "returned"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _bounds(date_from: date | None, date_to: date | None) -> list:
    conditions = [Petition.status.not_in((states.WITHDRAWN, states.MERGED))]
    if date_from:
        conditions.append(Petition.created_at >= datetime.combine(date_from, time(0), tzinfo=BEIJING))
    if date_to:
        conditions.append(Petition.created_at < datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=BEIJING))
    return conditions


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def petition_metrics(*, group_by: str, date_from: date | None = None, date_to: date | None = None,
                     now: datetime | None = None) -> tuple[list[Metrics], Metrics]:
    """Metrics per group (department or street) of the petitions filed in the period, and overall."""
    column, model = GROUPS[group_by]
    now = now or utcnow()
    where = _bounds(date_from, date_to)
    accepted_in_time = and_(Petition.accepted_at.is_not(None), Petition.accepted_at <= Petition.accept_by)
    closed = Petition.status == states.CLOSED
    main = db.session.execute(select(
        column, func.count(), _count(or_(Petition.accepted_at.is_not(None), Petition.accept_by < now)),
        _count(accepted_in_time), _count(closed), _count(and_(closed, Petition.closed_at <= Petition.close_by)),
        _count(or_(Petition.status != states.SUBMITTED, Petition.returned_count > 0)),
        _count(Petition.returned_count > 0),
    ).where(*where).group_by(column)).all()
    ratings = db.session.execute(select(
        column, func.count(PetitionRating.id), _count(PetitionRating.resolved.is_(True)),
        _count(PetitionRating.score >= 4),
    ).join(PetitionRating, PetitionRating.petition_id == Petition.id).where(*where).group_by(column)).all()
    names = {obj.id: obj for obj in db.session.scalars(select(model))}
    groups: dict = {}
    for key, total, due, in_time, n_closed, closed_ok, dispatched, returned in main:
        groups[key] = Metrics(names.get(key), total, due, in_time, 0, 0, 0, n_closed, closed_ok, dispatched,
                              returned)
    for key, rated, resolved, satisfied in ratings:
        metrics = groups.setdefault(key, Metrics(names.get(key)))
        metrics.rated, metrics.resolved, metrics.satisfied = rated, resolved, satisfied
    overall = Metrics(None)
    for metrics in groups.values():
        overall.add(metrics)
    ordered = sorted(groups.values(), key=lambda m: (m.key is None, getattr(m.key, "id", 0)))
    return ordered, overall
