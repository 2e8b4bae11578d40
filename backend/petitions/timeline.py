"""The resident's view of a petition's history: friendly events, no internal steps or staff names."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.audit import service as audit
from backend.audit.service import LABELS
from backend.core.models import utcnow
from backend.directory.models import Staff
from backend.extensions import db
from backend.petitions import states
from backend.petitions.handlers import REOPEN_WINDOW_DAYS

TITLES = {
    "submit": "诉求已提交",
    "dispatch": "已派发至{department}办理",
    "transfer": "已转交{department}办理",
    "accept": "{department}已签收，正在办理",
    "approve_extension": "{department}办理期限已延长",
    "reply": "{department}已答复",
    "rate": "您已评价，诉求办结",
    "auto_close": "答复后 7 日未评价，诉求自动办结",
    "reopen": "您已申请重办",
    "withdraw": "您已撤回诉求",
    "merge": "已与同类诉求合并办理",
}


def events(petition) -> list[dict]:
    """The transitions a resident may see, as titled events."""
    result = []
    for row in petition.transitions:
        spec = states.ACTIONS[row.action]
        if not spec.resident_visible:
            continue
        department = row.department.name if row.department else "承办部门"
        result.append({
            "action": row.action,
            "title": TITLES[row.action].format(department=department),
            "status_label": states.RESIDENT_LABELS[row.to_status],
            "at": row.at,
        })
    return result


def can_reopen(petition) -> bool:
    """True while the resident may still ask for the petition to be handled again."""
    if petition.reopened_count >= 1:
        return False
    if petition.status == states.REPLIED:
        return True
    return (petition.status == states.CLOSED and petition.closed_at is not None
            and petition.closed_at + timedelta(days=REOPEN_WINDOW_DAYS) >= utcnow())


def staff_timeline(petition) -> list[dict]:
    """Every audit row about the petition, transitions and other acts (phone shown…), oldest first, with the
    staff member's name."""
    events = audit.list_for(subject_type="petition", subject_id=petition.id)
    staff_ids = {row.actor_id for row in [*petition.transitions, *events]
                 if row.actor_kind == "staff" and row.actor_id}
    names = dict(db.session.execute(select(Staff.id, Staff.display_name).where(Staff.id.in_(staff_ids))).all()
                 ) if staff_ids else {}
    rows = [{
        "kind": "transition", "action": row.action, "label": states.ACTIONS[row.action].label,
        "from_status": row.from_status, "to_status": row.to_status,
        "to_status_label": states.STAFF_LABELS[row.to_status], "actor_kind": row.actor_kind,
        "actor_role": row.actor_role, "actor_name": names.get(row.actor_id), "department": row.department,
        "reason": row.reason, "at": row.at,
    } for row in petition.transitions]
    rows += [{
        "kind": "audit", "action": event.action, "label": LABELS.get(event.action, event.action),
        "actor_kind": event.actor_kind, "actor_role": event.actor_role, "actor_name": names.get(event.actor_id),
        "at": event.at,
    } for event in events]
    return sorted(rows, key=lambda r: r["at"])
