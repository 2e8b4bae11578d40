"""One audit trail for staff actions outside the petition workflow (notices, health facilities, transit
imports…): who did what to which record, when, with what details. Petitions keep their own transitions table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.models import UTCDateTime, utcnow
from backend.core.security import Principal
from backend.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column()
    actor_role: Mapped[str | None] = mapped_column(String(16))
    # What was acted on: "notice", "health_facility", "transit_feed"… and its id.
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (db.Index("ix_audit_log_entity", "entity", "entity_id"),)


def record(*, actor: Principal | None, entity: str, entity_id, action: str, **details) -> AuditEntry:
    """Adds an audit row to the session (the caller commits it with the change it describes)."""
    entry = AuditEntry(
        actor_kind=actor.kind if actor else "system", actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else None, entity=entity, entity_id=str(entity_id), action=action,
        details={k: v for k, v in details.items() if v is not None},
    )
    db.session.add(entry)
    return entry


def trail(*, entity: str, entity_id) -> list[AuditEntry]:
    """Every audit row of one record, oldest first."""
    return list(db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.id)))
