"""Fixed-window counters shared by every process: in Redis when it is up, else in the database.

Counts must hold across gunicorn workers and hosts (a limit of 5 counted by each of two workers alone is
a limit of 10), so the fallback is the database every process shares, not process memory. Database counts
are committed at once — a refused sign-in rolls its request back, its count must stay — so hit(), extend()
and reset() commit the session: call them before the request has changes of its own, or after it
committed them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from sqlalchemy import Integer, String, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.models import UTCDateTime, utcnow
from backend.extensions import db, redis_store


class RateLimitCounter(db.Model):
    """One window's count of events for a key (used when Redis is absent or down)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


@dataclass(frozen=True)
class Window:
    """The events counted so far in a key's current window and the seconds until it ends."""

    count: int = 0
    seconds_left: int = 0


def hit(name: str, ident: str, window: int) -> int:
    """Counts one event for (name, ident) in the current window and returns the count so far."""
    key = redis_store.key("rl", name, ident)
    client = redis_store.client()
    if client is not None:
        try:
            pipe = client.pipeline()
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
            count, _ = pipe.execute()
            return int(count)
        except redis.RedisError as exc:
            redis_store.mark_down(exc)
    return _hit_db(key, window)


def peek(name: str, ident: str) -> Window:
    """The current window of (name, ident), without counting an event."""
    key = redis_store.key("rl", name, ident)
    client = redis_store.client()
    if client is not None:
        try:
            pipe = client.pipeline()
            pipe.get(key)
            pipe.ttl(key)
            count, ttl = pipe.execute()
            return Window(int(count or 0), max(int(ttl), 0)) if count else Window()
        except redis.RedisError as exc:
            redis_store.mark_down(exc)
    now = utcnow()
    row = db.session.execute(select(RateLimitCounter.count, RateLimitCounter.expires_at).where(
        RateLimitCounter.key == key, RateLimitCounter.expires_at > now)).first()
    if row is None:
        return Window()
    return Window(row.count, math.ceil((row.expires_at - now).total_seconds()))


def extend(name: str, ident: str, seconds: int) -> None:
    """Makes the current window of (name, ident) end `seconds` from now (a lockout after the last allowed try)."""
    key = redis_store.key("rl", name, ident)
    client = redis_store.client()
    if client is not None:
        try:
            client.expire(key, seconds)
            return
        except redis.RedisError as exc:
            redis_store.mark_down(exc)
    db.session.execute(update(RateLimitCounter).where(RateLimitCounter.key == key)
                       .values(expires_at=utcnow() + timedelta(seconds=seconds)))
    db.session.commit()


def reset(name: str, ident: str) -> None:
    """Forgets the events of (name, ident), e.g. after a successful login."""
    key = redis_store.key("rl", name, ident)
    client = redis_store.client()
    if client is not None:
        try:
            client.delete(key)
            return
        except redis.RedisError as exc:
            redis_store.mark_down(exc)
    db.session.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))
    db.session.commit()


def _hit_db(key: str, window: int) -> int:
    now = utcnow()
    # Ended windows are dropped first (an index range scan): the table holds only live windows, and the
    # upsert below starts a new window for a key whose last one ended.
    db.session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now))
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(RateLimitCounter).values(key=key, count=1, expires_at=now + timedelta(seconds=window))
    statement = statement.on_conflict_do_update(
        index_elements=[RateLimitCounter.key], set_={"count": RateLimitCounter.count + 1},
    ).returning(RateLimitCounter.count)
    count = db.session.execute(statement).scalar_one()
    db.session.commit()
    return count
