"""Side effects of activities: the subscription messages of a promotion and of the day-before reminder."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from backend.activities.models import CONFIRMED, PUBLISHED, Activity, ActivitySignup
from backend.calendar.service import BEIJING
from backend.core.models import utcnow
from backend.extensions import db
from backend.outbox import service as outbox

# Reminders go out from this long before the start (the day before), once per sign-up.
REMIND_BEFORE = timedelta(hours=24)
REMINDER_BATCH = 500
# Phrases of the template's status keyword (1–5 Chinese characters).
PROMOTED_PHRASE, REMINDER_PHRASE = "候补转正", "明日活动"


def _message(activity: Activity, signup: ActivitySignup, phrase: str) -> dict:
    return {
        "resident_id": signup.resident_id,
        "template": "activity_update",
        "data": {
            "activity_title": activity.title,
            "activity_time": activity.starts_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
            "activity_place": activity.place,
            "activity_status": phrase,
        },
        "page": f"pages/activities/detail?id={activity.id}",
    }


def notify_promoted(activity: Activity, signup: ActivitySignup) -> None:
    """Queues the "you have a place now" message in the caller's transaction (once per waitlist ticket)."""
    outbox.enqueue(kind="wechat_subscribe", payload=_message(activity, signup, PROMOTED_PHRASE),
                   dedupe_key=f"activity_signup:{signup.id}:promoted:{signup.waitlist_ticket}")


def send_reminders(now: datetime | None = None) -> int:
    """Queues the day-before reminder of every confirmed sign-up of an activity starting within REMIND_BEFORE;
    each sign-up is claimed by a conditional update first, so two workers never both remind it. Commits."""
    now = now or utcnow()
    rows = db.session.execute(select(ActivitySignup.id, Activity.id).join(Activity).where(
        ActivitySignup.status == CONFIRMED, ActivitySignup.reminded_at.is_(None), Activity.status == PUBLISHED,
        Activity.starts_at > now, Activity.starts_at <= now + REMIND_BEFORE,
    ).order_by(ActivitySignup.id).limit(REMINDER_BATCH)).all()
    queued = 0
    for signup_id, _ in rows:
        claimed = db.session.execute(
            update(ActivitySignup).where(ActivitySignup.id == signup_id, ActivitySignup.reminded_at.is_(None),
                                         ActivitySignup.status == CONFIRMED)
            .values(reminded_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        signup = db.session.get(ActivitySignup, signup_id)
        outbox.enqueue(kind="wechat_subscribe", payload=_message(signup.activity, signup, REMINDER_PHRASE),
                       dedupe_key=f"activity_signup:{signup_id}:reminder")
        queued += 1
    db.session.commit()
    return queued
