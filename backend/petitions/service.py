"""Petition services: reads, the one transition function, internal notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from backend.calendar.service import BEIJING
from backend.core.models import utcnow
from backend.core.security import Principal
from backend.extensions import db
from backend.outbox import service as outbox
from backend.petitions import access, states
from backend.petitions.errors import PetitionError, invalid
from backend.petitions.handlers import HANDLERS
from backend.petitions.models import Petition, PetitionNote, PetitionTransition

SYSTEM = Principal("system", role="system")
NOTE_MAX = 2000


def get(*, petition_id: int) -> Petition | None:
    """Gets a petition by id."""
    return db.session.get(Petition, petition_id)


def get_by_number(*, number: str) -> Petition | None:
    """Gets a petition by its public number."""
    return db.session.scalar(select(Petition).where(Petition.number == number))


@dataclass(frozen=True)
class Applied:
    """A workflow action taken but not yet flushed: its audit row and what the resident is told."""

    petition: Petition
    row: PetitionTransition
    remark: str
    notify: bool


def transition(*, petition: Petition, action: str, actor: Principal, reason: str | None = None,
               **data) -> PetitionTransition:
    """Takes a workflow action if the actor may, writes the audit row, queues the resident's message, commits."""
    applied = apply_transition(petition=petition, action=action, actor=actor, reason=reason, **data)
    db.session.flush()
    queue_updates([applied])
    db.session.commit()
    return applied.row


def apply_transition(*, petition: Petition, action: str, actor: Principal, reason: str | None = None,
                     locked: bool = False, **data) -> Applied:
    """The one place a petition changes status: checks the actor and the state, runs the action, adds the audit
    row. The caller flushes, queues the updates and commits; `locked` when it already holds the row lock."""
    spec = states.ACTIONS.get(action)
    if spec is None or action == "submit":
        raise invalid("action", "不支持的操作")
    kinds = states.actor_kinds(actor, petition)
    if not kinds & set(spec.actors):
        raise PetitionError(403, f"您无权对该诉求执行“{spec.label}”操作")
    if not locked:
        # Lock the row so two people acting at once cannot both move it (flush first: refresh drops changes).
        db.session.flush()
        db.session.refresh(petition, with_for_update={"of": Petition})
    if petition.status not in spec.sources:
        raise PetitionError(409, f"诉求当前状态为“{states.STAFF_LABELS[petition.status]}”，不能{spec.label}")
    reason = reason.strip() if isinstance(reason, str) else None
    if spec.reason_required and not reason:
        raise invalid("reason", f"{spec.label}必须填写原因")
    if reason and len(reason) > 500:
        raise invalid("reason", "原因不能超过 500 个字")
    now = utcnow()
    from_status, department_before = petition.status, petition.department_id
    remark = HANDLERS[action](petition, actor, data, now)
    if spec.target is not None:
        petition.status = spec.target
    petition.updated_at = now
    row = PetitionTransition(
        petition_id=petition.id, action=action, from_status=from_status, to_status=petition.status,
        actor_kind=actor.kind, actor_id=actor.id, actor_role=actor.role,
        department_id=petition.department_id or department_before, reason=reason, at=now,
    )
    db.session.add(row)
    return Applied(petition, row, remark, spec.notify)


def queue_updates(applied: list[Applied]) -> None:
    """Queues the resident's WeChat subscription messages about flushed transitions, in the caller's
    transaction."""
    for item in applied:
        if not item.notify:
            continue
        petition, row = item.petition, item.row
        outbox.enqueue(
            kind="wechat_subscribe",
            payload={
                "resident_id": petition.resident_id,
                "template": "petition_update",
                "data": {
                    "number": petition.number,
                    "status_label": states.notice_phrase(petition.status, row.action),
                    "time": row.at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
                    "remark": item.remark[:20],
                },
                "page": f"pages/petitions/detail?id={petition.id}",
            },
            # The transition row was just written: no message can hold its key yet.
            dedupe_key=f"petition:{petition.id}:transition:{row.id}", new=True,
        )


def accept_many(*, actor: Principal, petition_ids: list[int]) -> list[dict]:
    """签收 each petition the actor may see and accept, committing one by one; returns each outcome."""
    results = []
    for petition_id in dict.fromkeys(petition_ids):
        try:
            petition = access.access_petition(actor, get(petition_id=petition_id))
            transition(petition=petition, action="accept", actor=actor)
        except PetitionError as exc:
            db.session.rollback()
            results.append({"id": petition_id, "ok": False, "message": exc.description})
        else:
            results.append({"id": petition_id, "ok": True, "message": None})
    return results


def add_note(*, petition: Petition, staff_id: int, body: str) -> PetitionNote:
    """Adds an internal note (never shown to residents) and commits."""
    body = body.strip() if isinstance(body, str) else ""
    if not 1 <= len(body) <= NOTE_MAX:
        raise invalid("body", f"备注内容应为 1 到 {NOTE_MAX} 个字")
    note = PetitionNote(petition_id=petition.id, staff_id=staff_id, body=body, created_at=utcnow())
    db.session.add(note)
    db.session.commit()
    return note


def deadline_day(moment) -> str:
    """A deadline (an end of day) as the Beijing date it falls on."""
    return (moment - timedelta(seconds=1)).astimezone(BEIJING).date().isoformat()
