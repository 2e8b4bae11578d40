"""Queueing side effects in the caller's transaction, and waking the worker once they are committed."""

from __future__ import annotations

import logging

import redis
from flask import has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from backend.extensions import db, redis_store
from backend.outbox.models import PRIORITY_ROUTINE, OutboxMessage

log = logging.getLogger(__name__)

DRAIN_JOB = "backend.outbox.jobs.drain_job"
# While this flag exists a drain job is queued and has not started, so commits do not pile up jobs.
KICK_TTL = 30
_SESSION_FLAG = "zj.outbox_kick"


def enqueue(*, kind: str, payload: dict, dedupe_key: str, new: bool = False,
            priority: int = PRIORITY_ROUTINE) -> OutboxMessage:
    """Adds a message to the caller's session; it is delivered only if the caller commits. The message already
    queued under dedupe_key is returned instead, unless the caller knows the key is `new`."""
    if not new:
        existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    message = OutboxMessage(kind=kind, payload=payload, dedupe_key=dedupe_key, priority=priority)
    db.session.add(message)
    db.session.info[_SESSION_FLAG] = True
    return message


def settle(message_id: int) -> bool:
    """Marks a pending message done without delivering it, in the caller's transaction; False when a worker has
    already claimed it (it is then the worker's to deliver). For messages that stand by in case their producer
    dies: the producer settles them once it has done the work itself."""
    from backend.core.models import utcnow

    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
        .values(status="sent", sent_at=now, locked_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_enqueued() -> None:
    """Tells the session that rows were queued by a bulk statement, so its commit wakes the worker."""
    db.session.info[_SESSION_FLAG] = True


def queue_name() -> str:
    """The RQ queue of this deployment (namespaced like every other Redis key)."""
    return redis_store.key("outbox")


def kick() -> bool:
    """Pushes a drain job to RQ; returns False (and loses nothing) when Redis is absent or down."""
    client = redis_store.client()
    if client is None:
        return False
    from rq import Queue

    try:
        if client.set(redis_store.key("outbox", "kick"), "1", nx=True, ex=KICK_TTL):
            Queue(queue_name(), connection=client).enqueue(
                DRAIN_JOB, job_timeout=300, ttl=3600, result_ttl=0, failure_ttl=24 * 3600
            )
        return True
    except redis.RedisError as exc:
        redis_store.mark_down(exc)
        log.warning("outbox: could not queue a drain job; the worker's sweep will deliver")
        return False


def clear_kick() -> None:
    """Called when a drain job starts, so the next commit queues a new one."""
    client = redis_store.client()
    if client is None:
        return
    try:
        client.delete(redis_store.key("outbox", "kick"))
    except redis.RedisError as exc:
        redis_store.mark_down(exc)


def _after_commit(session) -> None:
    if session.info.pop(_SESSION_FLAG, False) and has_app_context():
        kick()


def _after_rollback(session) -> None:
    session.info.pop(_SESSION_FLAG, None)


def init_app(app) -> None:
    """Wakes the worker after every commit that enqueued messages; adds `flask outbox drain`."""
    # On the Session class, so sessions the tests bind to their own connection are covered too.
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
    from backend.outbox.cli import outbox_cli

    app.cli.add_command(outbox_cli)
