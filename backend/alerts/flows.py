"""Delivering alerts: one statement queues a message per resident of the alert's streets, ahead of routine ones."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import String, cast, func, insert, literal, select, update

from backend.alerts.models import ACTIVE, LEVELS, Alert
from backend.calendar.service import BEIJING
from backend.core.models import UTCDateTime, utcnow
from backend.extensions import db
from backend.outbox import service as outbox
from backend.outbox.models import PRIORITY_ALERT, OutboxMessage
from backend.residents.models import Resident

KIND = "emergency_alert"


def _dedupe_prefix(alert: Alert) -> str:
    return f"alert:{alert.id}:"


def queue_messages(alert: Alert) -> int:
    """Queues, in the caller's transaction, one message per resident living in the alert's streets, for its
    current version; returns how many. INSERT … SELECT: 50,000 rows without a round trip per resident."""
    now = utcnow()
    build = func.json_build_object if db.engine.dialect.name == "postgresql" else func.json_object
    payload = build(literal("alert_id"), literal(alert.id), literal("version"), literal(alert.version),
                    literal("resident_id"), Resident.id)
    rows = select(
        literal(KIND), payload,
        literal(f"{_dedupe_prefix(alert)}v{alert.version}:") + cast(Resident.id, String),
        literal("pending"), literal(0), literal(now, UTCDateTime), literal(PRIORITY_ALERT),
        literal(now, UTCDateTime), literal(now, UTCDateTime),
    ).where(Resident.street_id.in_([street.id for street in alert.streets]))
    columns = ["kind", "payload", "dedupe_key", "status", "attempts", "next_attempt_at", "priority",
               "created_at", "updated_at"]
    # RETURNING, because psycopg reports no row count for INSERT … SELECT.
    queued = len(db.session.execute(insert(OutboxMessage).from_select(columns, rows)
                                    .returning(OutboxMessage.id)).all())
    outbox.mark_enqueued()
    return queued


def cancel_pending(alert: Alert) -> int:
    """Cancels the alert's messages not yet claimed (all versions); returns how many."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.kind == KIND, OutboxMessage.status == "pending",
               OutboxMessage.dedupe_key.like(_dedupe_prefix(alert) + "%"))
        .values(status="cancelled", updated_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount


def subscription(payload: dict) -> dict:
    """The subscription message a queued alert payload stands for: {"resident_id", "template", "data", "page"}.

    LookupError when the alert is gone, withdrawn or superseded by a newer version (nothing to send)."""
    alert_id, version, resident_id = (payload.get(key) for key in ("alert_id", "version", "resident_id"))
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (alert_id, version, resident_id)):
        raise LookupError("payload needs alert_id, version and resident_id (integers)")
    # One small query per message: a withdrawal or a new version must stop the messages already claimed.
    state = db.session.execute(select(Alert.status, Alert.version, Alert.created_at)
                               .where(Alert.id == alert_id)).first()
    if state is None or state.status != ACTIVE or state.version != version:
        raise LookupError(f"alert {alert_id} v{version} is no longer in force")
    return {"resident_id": resident_id, "template": "emergency_alert",
            "data": dict(_rendered(alert_id, version, state.created_at)), "page": f"pages/alerts/detail?id={alert_id}"}


# A version's text never changes (an update makes a new version), so its message is rendered once per process
# instead of loading the alert and its streets again for each of its 50,000 recipients. created_at is in the
# key because SQLite may give a new alert the id of one rolled back.
@lru_cache(maxsize=64)
def _rendered(alert_id: int, version: int, created_at) -> dict:
    alert = db.session.get(Alert, alert_id)
    return {
        "alert_level": f"{LEVELS[alert.level]}预警",
        "alert_text": alert.title,
        "alert_time": alert.valid_from.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
        "alert_area": "、".join(street.name for street in alert.streets),
    }
