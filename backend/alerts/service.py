"""Emergency alerts: issue, propose from a weather warning, confirm, update, withdraw — each audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from backend.alerts import flows
from backend.alerts.errors import AlertConflict, AlertError, AlertInvalid, AlertNotFound
from backend.alerts.models import ACTIVE, LEVELS, PENDING, WITHDRAWN, Alert, AlertEvent, alert_streets
from backend.core.models import utcnow
from backend.core.security import Principal
from backend.directory.models import Street
from backend.extensions import db

# A weather warning of these levels becomes a proposed alert; lower levels are shown as weather only.
PROPOSED_LEVELS = ("orange", "red")
# QWeather names colours in English ("Orange"), older feeds and people in Chinese.
LEVEL_NAMES = {**{k: k for k in LEVELS}, **{v: k for k, v in LEVELS.items()},
               **{v[0]: k for k, v in LEVELS.items()}}
SYSTEM = Principal("service", role="system")


def get(*, alert_id: int) -> Alert | None:
    """Gets an alert by its id."""
    return db.session.get(Alert, alert_id)


def get_or_404(*, alert_id: int) -> Alert:
    """The alert, or AlertNotFound."""
    alert = get(alert_id=alert_id)
    if alert is None:
        raise AlertNotFound("预警不存在")
    return alert


def list_alerts(*, status: str | None = None, page: int = 1, limit: int = 20) -> tuple[list[Alert], int]:
    """Alerts, newest first, optionally of one status."""
    conditions = [Alert.status == status] if status else []
    total = db.session.scalar(select(func.count(Alert.id)).where(*conditions))
    items = db.session.scalars(select(Alert).where(*conditions).order_by(Alert.id.desc())
                               .offset((page - 1) * limit).limit(limit)).all()
    return list(items), total


def active_for_street(*, street_id: int | None, now: datetime | None = None) -> list[Alert]:
    """Active alerts in force now for a street (every street's when None), most severe first — for the home feed."""
    now = now or utcnow()
    statement = select(Alert).where(Alert.status == ACTIVE, Alert.valid_from <= now, Alert.valid_until > now)
    if street_id is not None:
        statement = statement.where(Alert.id.in_(
            select(alert_streets.c.alert_id).where(alert_streets.c.street_id == street_id)))
    alerts = db.session.scalars(statement.order_by(Alert.id.desc())).all()
    severity = list(LEVELS)
    return sorted(alerts, key=lambda a: -severity.index(a.level))


def level_code(value: str | None) -> str | None:
    """blue/yellow/orange/red from any of the names a warning or a person uses, or None."""
    if not isinstance(value, str):
        return None
    return LEVEL_NAMES.get(value.strip().lower()) or LEVEL_NAMES.get(value.strip())


def _streets(codes: list[str]) -> list[Street]:
    codes = list(dict.fromkeys(codes))
    if not codes:
        raise AlertInvalid("请至少选择一个街道", "streets")
    found = db.session.scalars(select(Street).where(Street.code.in_(codes))).all()
    missing = sorted(set(codes) - {s.code for s in found})
    if missing:
        raise AlertInvalid(f"街道不存在：{'、'.join(missing)}", "streets")
    return sorted(found, key=lambda s: s.code)


def _check_window(valid_from: datetime, valid_until: datetime) -> None:
    if valid_until <= valid_from:
        raise AlertInvalid("失效时间应晚于生效时间", "valid_until")


def _audit(alert: Alert, action: str, actor: Principal, details: dict, reason: str | None = None) -> None:
    alert.events.append(AlertEvent(action=action, actor_kind=actor.kind, actor_id=actor.id, actor_role=actor.role,
                                   at=utcnow(), details=details, reason=reason))


def _snapshot(alert: Alert) -> dict:
    return {"level": alert.level, "title": alert.title, "text": alert.text,
            "valid_from": alert.valid_from.isoformat(), "valid_until": alert.valid_until.isoformat(),
            "streets": [s.code for s in alert.streets]}


def issue(*, actor: Principal, data: dict) -> Alert:
    """Issues an alert at once: every resident of its streets is queued a message ahead of routine ones. Commits."""
    valid_from = data.get("valid_from") or utcnow()
    _check_window(valid_from, data["valid_until"])
    alert = Alert(level=data["level"], title=data["title"], text=data["text"], valid_from=valid_from,
                  valid_until=data["valid_until"], status=ACTIVE, version=1, source="manual", created_by=actor.id,
                  streets=_streets(data["streets"]), recipients=0)
    db.session.add(alert)
    db.session.flush()
    alert.recipients = flows.queue_messages(alert)
    _audit(alert, "issue", actor, {**_snapshot(alert), "recipients": alert.recipients})
    db.session.commit()
    return alert


def propose_from_warning(*, warning: dict) -> Alert | None:
    """Turns an orange or red weather warning into an alert pending a supervisor's confirmation (nothing is sent
    yet); once per warning id. Returns None for lower levels.

    warning: {"id", "streets": [street codes], "level", "type"?, "title"?, "text", "start"?, "end"} (aware times).
    """
    level = level_code(warning.get("level"))
    if level not in PROPOSED_LEVELS:
        return None
    source_ref = f"weather:{warning['id']}"
    existing = db.session.scalar(select(Alert).where(Alert.source_ref == source_ref))
    if existing is not None:
        return existing
    valid_from = warning.get("start") or utcnow()
    _check_window(valid_from, warning["end"])
    kind = warning.get("type") or "天气"
    title = (warning.get("title") or f"{kind}{LEVELS[level]}预警")[:60]
    alert = Alert(level=level, title=title, text=warning["text"], valid_from=valid_from, valid_until=warning["end"],
                  status=PENDING, version=1, source="weather", source_ref=source_ref,
                  streets=_streets(warning["streets"]), recipients=0)
    db.session.add(alert)
    db.session.flush()
    _audit(alert, "propose", SYSTEM, {**_snapshot(alert), "warning_id": str(warning["id"])})
    db.session.commit()
    return alert


def _locked(alert_id: int) -> Alert:
    # The row lock orders confirm/update/withdraw of one alert (two supervisors clicking at once).
    alert = db.session.scalar(select(Alert).where(Alert.id == alert_id).with_for_update()
                              .execution_options(populate_existing=True))
    if alert is None:
        raise AlertNotFound("预警不存在")
    return alert


def _rollback_on_error(work):
    try:
        return work()
    except AlertError:
        db.session.rollback()
        raise


def confirm(*, alert_id: int, actor: Principal) -> Alert:
    """Confirms an alert proposed from a weather warning: it becomes active and is sent. Commits."""
    def work():
        alert = _locked(alert_id)
        if alert.status != PENDING:
            raise AlertConflict("该预警不是待确认状态")
        alert.status, alert.created_by = ACTIVE, alert.created_by or actor.id
        alert.recipients = flows.queue_messages(alert)
        _audit(alert, "confirm", actor, {"recipients": alert.recipients})
        db.session.commit()
        return alert

    return _rollback_on_error(work)


def update(*, alert_id: int, actor: Principal, changes: dict) -> Alert:
    """Changes an alert; an active one is announced again (as a new version) to every resident of its streets,
    and messages of the old version not yet sent are cancelled. Commits."""
    def work():
        alert = _locked(alert_id)
        if alert.status == WITHDRAWN:
            raise AlertConflict("预警已撤回，不能修改")
        before = _snapshot(alert)
        for name in ("level", "title", "text", "valid_from", "valid_until"):
            if changes.get(name) is not None:
                setattr(alert, name, changes[name])
        if changes.get("streets") is not None:
            alert.streets = _streets(changes["streets"])
        _check_window(alert.valid_from, alert.valid_until)
        db.session.flush()
        after = _snapshot(alert)
        changed = {key: after[key] for key in after if after[key] != before[key]}
        if not changed:
            db.session.commit()
            return alert
        if alert.status == ACTIVE:
            flows.cancel_pending(alert)
            alert.version += 1
            db.session.flush()
            alert.recipients = flows.queue_messages(alert)
            changed["recipients"] = alert.recipients
        _audit(alert, "update", actor, {"before": {k: before[k] for k in changed if k in before}, "after": changed,
                                        "version": alert.version})
        db.session.commit()
        return alert

    return _rollback_on_error(work)


def withdraw(*, alert_id: int, actor: Principal, reason: str | None = None) -> Alert:
    """Withdraws an alert (active or pending): unsent messages are cancelled and it leaves the home feed. Commits."""
    def work():
        alert = _locked(alert_id)
        if alert.status == WITHDRAWN:
            raise AlertConflict("预警已撤回")
        cancelled = flows.cancel_pending(alert)
        alert.status = WITHDRAWN
        _audit(alert, "withdraw", actor, {"cancelled_messages": cancelled}, reason)
        db.session.commit()
        return alert

    return _rollback_on_error(work)

