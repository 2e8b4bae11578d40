"""Writing and reading audit rows; the caller's transaction commits them with the act they record."""

from __future__ import annotations

from sqlalchemy import select

from backend.audit.models import AuditEvent
from backend.core.models import utcnow
from backend.core.security import Principal
from backend.extensions import db

LABELS = {
    "staff.create": "创建账号",
    "staff.update": "修改账号",
    "staff.reset_password": "重置密码",
    "staff.change_password": "修改密码",
    "petition.reveal_phone": "查看完整电话",
}


def record(*, actor: Principal | None, action: str, subject_type: str, subject_id: int | str,
           detail: dict | None = None) -> AuditEvent:
    """Adds an audit row to the session (committed with the caller's change); no actor means the system."""
    event = AuditEvent(action=action, subject_type=subject_type, subject_id=str(subject_id),
                       actor_kind=actor.kind if actor else "system", actor_id=actor.id if actor else None,
                       actor_role=actor.role if actor else None, detail=detail or {}, at=utcnow())
    db.session.add(event)
    return event


def list_for(*, subject_type: str, subject_id: int | str) -> list[AuditEvent]:
    """The audit rows about one subject, oldest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == str(subject_id))
        .order_by(AuditEvent.id)))
