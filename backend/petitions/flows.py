"""Multi-step side effects: routing after intake, and the SLA sweep (overdue flags, alerts, auto-close)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask import after_this_request, current_app, has_request_context
from sqlalchemy import select

from backend.core.models import utcnow
from backend.extensions import db
from backend.outbox import service as outbox
from backend.petitions import deadlines, service, states
from backend.petitions.errors import PetitionError
from backend.petitions.models import Petition
from backend.routing import service as routing

log = logging.getLogger(__name__)
# A petition not routed this long after filing (process died after the commit) is routed by the sweep.
ROUTING_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500
ROUTE_BATCH = 200
_UNROUTED = (Petition.status == states.SUBMITTED) & Petition.routed_at.is_(None)


def route_after_commit(petition_id: int) -> str:
    """Schedules routing of a committed petition: by the worker, or once the response has been sent.

    Returns where it goes ("worker", "after_response" or "now"); whatever is left unrouted, the worker's
    route_pending job (every second) or the SLA sweep picks up.
    """
    app = current_app._get_current_object()
    if app.config["SETTINGS"].petition_routing == "worker":
        return "worker"

    def run() -> None:
        with app.app_context():
            route_safely(petition_id)

    if not has_request_context():
        run()
        return "now"

    @after_this_request
    def _schedule(response):
        response.call_on_close(run)
        return response

    return "after_response"


def route_safely(petition_id: int) -> None:
    """Routes one petition, logging instead of raising (the petition is saved; the worker or the sweep retries)."""
    try:
        route([petition_id])
    except Exception:  # noqa: BLE001 — routing failures must never reach the resident
        log.exception("routing petition %s failed", petition_id)
        db.session.rollback()


def route_pending(limit: int | None = None) -> int:
    """Routes the oldest petitions filed but not yet routed, as one batch (ROUTE_BATCH); returns how many it
    routed."""
    # The filing itself only commits its rows: the database is the queue, so nothing is lost when Redis
    # or the worker is down, and the web process spends nothing on routing.
    pending = db.session.scalars(select(Petition.id).where(_UNROUTED).order_by(Petition.id)
                                 .limit(limit or ROUTE_BATCH)).all()
    return route(pending)


def route(petition_ids: list[int]) -> int:
    """Classifies those of the petitions still waiting to be routed and dispatches the confident ones in one
    commit (the others wait for a dispatcher); returns how many it routed. A failing batch is retried one
    petition at a time, so one bad petition does not hold back the rest."""
    rows = db.session.execute(select(Petition.id, Petition.content, Petition.street_id).where(
        Petition.id.in_(petition_ids), _UNROUTED)).all() if petition_ids else []
    table = routing.load_table() if rows else None
    db.session.rollback()
    # Classified outside any transaction: with Rasa as the classifier that takes a while, and no row is
    # locked meanwhile.
    suggestions = {row.id: routing.suggest(text=row.content, street_id=row.street_id, table=table) for row in rows}
    if not suggestions:
        return 0
    try:
        return _route_batch(suggestions)
    except Exception:  # noqa: BLE001 — logged; what stays unrouted is picked up again
        db.session.rollback()
        if len(suggestions) == 1:
            log.exception("routing petition %s failed", next(iter(suggestions)))
            return 0
        log.exception("routing a batch of %s petitions failed; routing them one by one", len(suggestions))
        return sum(route([petition_id]) for petition_id in suggestions)


def _route_batch(suggestions: dict[int, routing.Suggestion]) -> int:
    # Lock what is still unrouted (SKIP LOCKED: a row someone is acting on is left for the next run), then
    # dispatch with one flush and one commit for the batch.
    petitions = db.session.scalars(select(Petition).where(Petition.id.in_(list(suggestions)), _UNROUTED)
                                   .order_by(Petition.id).with_for_update(of=Petition, skip_locked=True)).all()
    applied = []
    for petition in petitions:
        suggestion = suggestions[petition.id]
        if not suggestion.confident:
            _leave_for_dispatcher(petition, suggestion)
            continue
        applied.append(service.apply_transition(
            petition=petition, action="dispatch", actor=service.SYSTEM, locked=True,
            reason=_dispatch_reason(suggestion), department_obj=suggestion.department,
            category=suggestion.category, confidence=suggestion.confidence))
    db.session.flush()
    service.queue_updates(applied)
    db.session.commit()
    return len(petitions)


def _leave_for_dispatcher(petition: Petition, suggestion: routing.Suggestion) -> None:
    petition.category, petition.category_confidence = suggestion.category, suggestion.confidence
    petition.routed_at = utcnow()


def _dispatch_reason(suggestion: routing.Suggestion) -> str:
    return f"自动派单（{suggestion.category}，置信度 {suggestion.confidence:.2f}）"


@dataclass
class SweepResult:
    """What one sweep did."""

    routed: int = 0
    flagged: dict[str, int] = field(default_factory=lambda: {"accept": 0, "reply": 0, "close": 0})
    auto_closed: int = 0


OVERDUE_RULES = (
    # (flag, deadline column, statuses in which the deadline still matters, alert text)
    ("accept", "accept_by", (states.SUBMITTED, states.RETURNED, states.DISPATCHED), "超过签收时限仍未签收"),
    ("reply", "reply_by", (states.SUBMITTED, states.RETURNED, states.DISPATCHED, states.ACCEPTED),
     "超过答复时限仍未答复"),
    ("close", "close_by", (states.SUBMITTED, states.RETURNED, states.DISPATCHED, states.ACCEPTED, states.REPLIED),
     "超过办结时限仍未办结"),
)


def sweep_overdue(now=None) -> SweepResult:
    """Routes stragglers, flags overdue petitions and alerts supervisors, auto-closes unrated replies."""
    now = now or utcnow()
    result = SweepResult()
    stragglers = db.session.scalars(select(Petition.id).where(
        _UNROUTED, Petition.created_at < now - ROUTING_GRACE).order_by(Petition.id).limit(SWEEP_BATCH)).all()
    result.routed = route(stragglers)
    for flag, column, statuses, text in OVERDUE_RULES:
        flag_column = getattr(Petition, f"{flag}_overdue")
        overdue = db.session.scalars(select(Petition).where(
            Petition.status.in_(statuses), getattr(Petition, column) < now, flag_column.is_(False),
        ).limit(SWEEP_BATCH)).all()
        for petition in overdue:
            setattr(petition, f"{flag}_overdue", True)
            _alert(petition, flag, text)
        result.flagged[flag] = len(overdue)
        db.session.commit()
    due = db.session.scalars(select(Petition).where(
        Petition.status == states.REPLIED,
        Petition.replied_at < now - timedelta(days=deadlines.AUTO_CLOSE_DAYS),
    ).limit(SWEEP_BATCH)).all()
    for petition in due:
        try:
            service.transition(petition=petition, action="auto_close", actor=service.SYSTEM)
            result.auto_closed += 1
        except PetitionError:
            db.session.rollback()
    return result


def _alert(petition: Petition, flag: str, text: str) -> None:
    outbox.enqueue(
        kind="staff_alert",
        payload={
            "role": "supervisor", "kind": f"{flag}_overdue", "petition_id": petition.id,
            "number": petition.number, "department_id": petition.department_id,
            "message": f"诉求 {petition.number}{text}",
        },
        dedupe_key=f"petition:{petition.id}:overdue:{flag}:{petition.reopened_count}",
    )
