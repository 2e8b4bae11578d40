"""Staff notification services: delivering alerts to an inbox, listing and marking them read."""

from __future__ import annotations

import logging

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, lazyload, load_only

from backend.core.models import utcnow
from backend.directory.models import Staff
from backend.extensions import db
from backend.notifications.models import MESSAGE_MAX, StaffNotification
from backend.petitions.models import Petition

log = logging.getLogger(__name__)


def recipients(*, role: str, department_id: int | None) -> list[int]:
    """Active staff of the role, plus the active clerks of the department when there is one."""
    addressed = Staff.role == role
    if department_id is not None:
        addressed = or_(addressed, (Staff.role == "clerk") & (Staff.department_id == department_id))
    return list(db.session.scalars(select(Staff.id).where(Staff.is_active.is_(True), addressed).order_by(Staff.id)))


def deliver_alert(*, role: str, kind: str, message: str, source_key: str, petition_id: int | None = None,
                  department_id: int | None = None) -> int:
    """Puts an alert into the inbox of every addressed staff member once per source, commits; returns rows added."""
    if petition_id is not None and db.session.get(Petition, petition_id) is None:
        raise LookupError(f"petition {petition_id} no longer exists")
    staff_ids = recipients(role=role, department_id=department_id)
    if not staff_ids:
        log.warning("staff alert %s: no active %s to notify", source_key, role)
        return 0
    now = utcnow()
    rows = [{"staff_id": staff_id, "kind": kind, "petition_id": petition_id, "message": message[:MESSAGE_MAX],
             "source_key": source_key, "created_at": now} for staff_id in staff_ids]
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(StaffNotification).values(rows).on_conflict_do_nothing(
        index_elements=["staff_id", "source_key"])
    added = db.session.execute(statement).rowcount
    db.session.commit()
    return added


def _own(staff_id: int, unread: bool | None):
    query = select(StaffNotification).where(StaffNotification.staff_id == staff_id)
    if unread is True:
        query = query.where(StaffNotification.read_at.is_(None))
    elif unread is False:
        query = query.where(StaffNotification.read_at.is_not(None))
    return query


def list_for_staff(*, staff_id: int, unread: bool | None, page: int, limit: int) -> tuple[list, int]:
    """A staff member's own notifications, newest first, and how many match."""
    query = _own(staff_id, unread)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(joinedload(StaffNotification.petition).options(
            load_only(Petition.id, Petition.number), lazyload(Petition.department)))
        .order_by(StaffNotification.id.desc()).limit(limit).offset((page - 1) * limit)
    ).all()
    return list(items), total


def unread_count(*, staff_id: int) -> int:
    """How many of a staff member's notifications are unread."""
    return db.session.scalar(select(func.count()).select_from(_own(staff_id, True).subquery()))


def get(*, notification_id: int) -> StaffNotification | None:
    """Gets a notification by id (check access before showing it)."""
    return db.session.get(StaffNotification, notification_id)


def mark_read(*, notification: StaffNotification) -> StaffNotification:
    """Marks one notification read (keeps the first reading time) and commits."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(*, staff_id: int) -> int:
    """Marks every unread notification of a staff member read, commits; returns how many changed."""
    changed = db.session.execute(
        update(StaffNotification)
        .where(StaffNotification.staff_id == staff_id, StaffNotification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed
