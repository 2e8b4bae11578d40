"""The last good answer of each provider (weather, transit feed), written by worker jobs and read by requests.

A request never calls a provider: it reads the snapshot here. Redis holds the copy requests read; the
database holds the same in `provider_snapshots`, so an embedded deployment (no Redis), a Redis restart or
a flushed key still has the last good data. A failed refresh keeps the data and records the failure:
readers then get it with `"stale": true` and its time, as they do when no refresh succeeded for
`max_age` seconds (a stopped worker).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from sqlalchemy import JSON, Boolean, String, select
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.models import UTCDateTime, utcnow
from backend.extensions import db, redis_store

log = logging.getLogger(__name__)
# Redis copies outlive a week of failed refreshes; the database keeps the data for good.
REDIS_TTL_SECONDS = 7 * 24 * 3600


class ProviderSnapshot(db.Model):
    __tablename__ = "provider_snapshots"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    payload: Mapped[dict | list | None] = mapped_column(JSON)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failing: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(String(200))


@dataclass(frozen=True)
class Snapshot:
    """What a reader gets: the data, when it was fetched, and whether it is stale."""

    data: dict | list
    updated_at: datetime
    stale: bool


def _redis_key(key: str) -> str:
    return redis_store.key("snapshot", key)


def _envelope(row: ProviderSnapshot) -> str:
    return json.dumps({"data": row.payload, "updated_at": row.fetched_at.isoformat(), "failing": row.failing},
                      ensure_ascii=False, separators=(",", ":"))


def _publish(row: ProviderSnapshot) -> None:
    client = redis_store.client()
    if client is None or row.fetched_at is None:
        return
    try:
        client.set(_redis_key(row.key), _envelope(row), ex=REDIS_TTL_SECONDS)
    except redis.RedisError as exc:
        redis_store.mark_down(exc)


def store_success(key: str, payload: dict | list, *, now: datetime | None = None) -> None:
    """Keeps a fresh answer of a provider (commits) and copies it to Redis."""
    now = now or utcnow()
    row = db.session.get(ProviderSnapshot, key) or ProviderSnapshot(key=key)
    row.payload, row.fetched_at, row.checked_at, row.failing, row.error = payload, now, now, False, None
    db.session.add(row)
    db.session.commit()
    _publish(row)


def store_failure(key: str, error: str, *, now: datetime | None = None) -> None:
    """Records a failed refresh (commits); the last good data stays and is served as stale."""
    now = now or utcnow()
    row = db.session.get(ProviderSnapshot, key) or ProviderSnapshot(key=key)
    row.checked_at, row.failing, row.error = now, True, error[:200]
    db.session.add(row)
    db.session.commit()
    _publish(row)


def _from_envelope(raw: bytes, max_age: float, now: datetime) -> Snapshot | None:
    try:
        body = json.loads(raw)
        updated_at = datetime.fromisoformat(body["updated_at"])
    except (ValueError, KeyError, TypeError):
        return None
    stale = bool(body.get("failing")) or now - updated_at > timedelta(seconds=max_age)
    return Snapshot(body.get("data"), updated_at, stale)


def read_many(keys: list[str], *, max_age: float) -> dict[str, Snapshot]:
    """The snapshots of the keys that have data: from Redis in one round trip, the database for the rest."""
    now = utcnow()
    found: dict[str, Snapshot] = {}
    client = redis_store.client()
    if client is not None and keys:
        try:
            for key, raw in zip(keys, client.mget([_redis_key(k) for k in keys]), strict=True):
                if raw is not None:
                    snapshot = _from_envelope(raw, max_age, now)
                    if snapshot is not None:
                        found[key] = snapshot
        except redis.RedisError as exc:
            redis_store.mark_down(exc)
    missing = [k for k in keys if k not in found]
    if missing:
        rows = db.session.scalars(select(ProviderSnapshot).where(ProviderSnapshot.key.in_(missing)))
        for row in rows:
            if row.fetched_at is None:
                continue
            stale = row.failing or now - row.fetched_at > timedelta(seconds=max_age)
            found[row.key] = Snapshot(row.payload, row.fetched_at, stale)
            if client is not None:
                _publish(row)  # Redis was flushed or restarted: put the copy back
    return found


def read(key: str, *, max_age: float) -> Snapshot | None:
    """One snapshot, or None when the provider never answered."""
    return read_many([key], max_age=max_age).get(key)


def status() -> list[ProviderSnapshot]:
    """Every snapshot row (for staff: which provider fails since when)."""
    return list(db.session.scalars(select(ProviderSnapshot).order_by(ProviderSnapshot.key)))
