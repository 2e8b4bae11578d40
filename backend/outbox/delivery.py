"""Delivering due outbox messages: claim safely across workers, send, then mark sent or retry later."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from backend.core.database import end_session, unavailable
from backend.core.models import utcnow
from backend.extensions import db
from backend.outbox import handlers
from backend.outbox.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600
# Claims are small so that sending a whole claim fits in its lease even when every call times out.
CLAIM_SIZE = 10
CALLS_PER_MESSAGE = 3  # token refresh + retried call, in the worst case


@dataclass
class DeliveryReport:
    """What one deliver_due() call did."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return len(self.sent) + len(self.retried) + len(self.failed)

    def __iadd__(self, other: DeliveryReport) -> DeliveryReport:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        return self


def _lease_seconds(count: int) -> int:
    timeout = current_app.config["SETTINGS"].wechat_timeout
    return int(30 + count * CALLS_PER_MESSAGE * timeout)


def claim(limit: int, *, only: int | None = None) -> list[int]:
    """Marks up to `limit` due messages as sending under a lease and returns their ids; commits.

    Messages are taken by priority (emergency alerts first), then oldest due first. While a message of a
    smaller priority is due or being sent by another worker, no larger priority is claimed: with several
    workers the last alerts are still sent before the first routine message (a message waiting to retry later
    holds nothing back).

    PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED picks rows no other worker is claiming, then they are
    updated in the same transaction. SQLite: one conditional UPDATE statement, which SQLite runs under
    its database-wide write lock. A message whose lease expired (its worker died) is due again.
    """
    now = utcnow()
    due = or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.locked_until < now),
    )
    if only is not None:
        due = and_(OutboxMessage.id == only, due)
    # The status tests repeat the conditions' so the partial index of the claim order can serve them.
    live = OutboxMessage.status.in_(("pending", "sending"))
    picked = select(OutboxMessage.id).where(live, due)
    if only is None:  # a producer waiting for its own message is not held back by anyone's priority
        first_priority = select(func.min(OutboxMessage.priority)).where(live, or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
            OutboxMessage.status == "sending",
        )).scalar_subquery()
        picked = picked.where(OutboxMessage.priority <= first_priority)
    picked = picked.order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        # Not as a subquery of the UPDATE: PostgreSQL may re-run such a subquery and overrun the LIMIT.
        picked_ids = list(db.session.scalars(picked.with_for_update(skip_locked=True)))
        if not picked_ids:
            db.session.commit()
            return []
        target = OutboxMessage.id.in_(picked_ids)
    else:
        target = OutboxMessage.id.in_(picked.scalar_subquery())
    statement = (
        update(OutboxMessage).where(target, due)
        .values(status="sending", locked_until=now + timedelta(seconds=_lease_seconds(limit)),
                attempts=OutboxMessage.attempts + 1, updated_at=now)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(_write(statement, returning=True))


def _write(*statements, returning: bool = False) -> list:
    """Runs write statements in one transaction of their own and commits; returns the rows the last returned."""
    for statement in statements:
        result = db.session.execute(statement)
    rows = list(result.scalars()) if returning else []
    db.session.commit()
    return rows


def backoff_seconds(attempts: int) -> float:
    """Exponential delay before the next attempt (base OUTBOX_RETRY_SECONDS, capped, ±10 % jitter)."""
    base = current_app.config["SETTINGS"].outbox_retry_seconds
    delay = min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return delay * random.uniform(0.9, 1.1)


INTERRUPTED = "interrupted: the worker stopped during the send; not repeated (it may have arrived)"


def fail_interrupted() -> int:
    """Marks failed the messages whose worker died in the middle of their send (status "delivering", lease
    over); returns how many. Such a send may have arrived: repeating it could notify a resident twice."""
    now = utcnow()
    interrupted = and_(OutboxMessage.status == "delivering", OutboxMessage.locked_until < now)
    ids = list(db.session.scalars(select(OutboxMessage.id).where(interrupted)))
    db.session.commit()
    if not ids:
        return 0
    _write(update(OutboxMessage).where(OutboxMessage.id.in_(ids), interrupted)
           .values(status="failed", last_error=INTERRUPTED, locked_until=None, updated_at=now)
           .execution_options(synchronize_session=False))
    log.warning("outbox %s: %s", ids, INTERRUPTED)
    return len(ids)


def _deliver_one(message: OutboxMessage, report: DeliveryReport) -> dict:
    """Hands one message to its handler; returns the values that record the outcome (written by the caller)."""
    message_id, kind, attempts = message.id, message.kind, message.attempts
    max_attempts = current_app.config["SETTINGS"].outbox_max_attempts
    try:
        handlers.handle(message)
    except handlers.PermanentFailure as exc:
        report.failed.append(message_id)
        log.warning("outbox %s (%s) failed for good: %s", message_id, kind, exc)
        return {"status": "failed", "last_error": str(exc)[:1000]}
    except Exception as exc:  # noqa: BLE001 — any other failure is worth another attempt
        error = f"{exc.__class__.__name__}: {exc}"[:1000]
        if attempts >= max_attempts:
            report.failed.append(message_id)
            log.warning("outbox %s (%s) gave up after %s attempts: %s", message_id, kind, attempts, error)
            return {"status": "failed", "last_error": error}
        report.retried.append(message_id)
        return {"status": "pending", "last_error": error,
                "next_attempt_at": utcnow() + timedelta(seconds=backoff_seconds(attempts))}
    report.sent.append(message_id)
    return {"status": "sent", "last_error": None, "sent_at": utcnow()}


def _claimed(ids: list[int]) -> list[OutboxMessage]:
    """The claimed messages in one query, detached: marking one commits, and that must not expire the rest."""
    # The claim was a bulk UPDATE: refresh any copy this session already holds.
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                  .order_by(OutboxMessage.priority, OutboxMessage.id)
                                  .execution_options(populate_existing=True)).all()
    for message in messages:
        db.session.expunge(message)
    return messages


# How long a worker keeps an outcome it could not record because the database was unreachable: the send
# happened, and forgetting it would leave the message to be failed as interrupted (or, for a repeatable kind,
# sent again).
MARK_PATIENCE_SECONDS = 120.0


def _mark(outcome: tuple[int, dict] | None, handing_over: int | None) -> None:
    """Records one message's outcome and/or that the next one is being handed over, in one commit (so that
    the hand-over marks cost no commit of their own); waits out a database restart."""
    now = utcnow()
    statements = []
    if outcome is not None:
        message_id, values = outcome
        statements.append(update(OutboxMessage).where(OutboxMessage.id == message_id)
                          .values(locked_until=None, updated_at=now, **values))
    if handing_over is not None:
        # Claimed messages not yet tried are safe to claim again after a crash; this one, from now on, is not.
        statements.append(update(OutboxMessage).where(OutboxMessage.id == handing_over)
                          .values(status="delivering", updated_at=now))
    statements = [statement.execution_options(synchronize_session=False) for statement in statements]
    patience = time.monotonic() + MARK_PATIENCE_SECONDS
    while True:
        try:
            _write(*statements)
            return
        except Exception as exc:
            if not unavailable(exc) or time.monotonic() > patience:
                raise
            end_session(db.session)
            log.warning("outbox: database unavailable; keeping the outcome of %s until it is back",
                        outcome[0] if outcome else handing_over)
            time.sleep(1)


def deliver_now(message_id: int) -> DeliveryReport:
    """Delivers one message at once if it is due and unclaimed (its producer is waiting for it); the same claim
    as the worker's, so it is sent once whoever gets there first."""
    report = DeliveryReport()
    _deliver_claimed(claim(1, only=message_id), report)
    return report


def _deliver_claimed(ids: list[int], report: DeliveryReport) -> None:
    """Delivers claimed messages one by one; each outcome is written with the next message's hand-over mark."""
    outcome = None
    for message in _claimed(ids):
        handing_over = None if handlers.repeatable(message.kind) else message.id
        if outcome is not None or handing_over is not None:
            _mark(outcome, handing_over)
        outcome = (message.id, _deliver_one(message, report))
    if outcome is not None:
        _mark(outcome, None)


def deliver_due(limit: int = 100) -> DeliveryReport:
    """Claims and delivers up to `limit` due messages; commits each outcome."""
    report = DeliveryReport()
    fail_interrupted()
    remaining = limit
    while remaining > 0:
        ids = claim(min(CLAIM_SIZE, remaining))
        if not ids:
            break
        _deliver_claimed(ids, report)
        remaining -= len(ids)
    return report
