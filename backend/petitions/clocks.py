"""The three SLA clocks of a petition (签收, 答复, 办结) as staff see them."""

from __future__ import annotations

from backend.calendar.service import working_days_left
from backend.core.models import utcnow
from backend.petitions import states

STAGES = (("accept", "签收", "accept_by", "accepted_at"), ("reply", "答复", "reply_by", "replied_at"),
          ("close", "办结", "close_by", "closed_at"))


def clocks(petition) -> list[dict]:
    """Each step's deadline, when it was done, whether it ran late and the working days left while it runs."""
    now = utcnow()
    result = []
    for stage, label, deadline_attr, done_attr in STAGES:
        deadline, done_at = getattr(petition, deadline_attr), getattr(petition, done_attr)
        # A withdrawn or merged petition's unfinished steps stop; they are neither running nor late.
        running = done_at is None and petition.status not in states.FINAL
        result.append({
            "stage": stage, "label": label, "deadline": deadline, "done_at": done_at, "running": running,
            "overdue": (done_at > deadline) if done_at else (running and now > deadline),
            "working_days_left": working_days_left(now, deadline) if running else None,
        })
    return result
