"""The resident's view of a petition's history: friendly events, no internal steps or staff names."""

from __future__ import annotations

from datetime import timedelta

from backend.core.models import utcnow
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
