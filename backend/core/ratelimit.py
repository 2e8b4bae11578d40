"""Fixed-window counters in Redis, with an in-process fallback when Redis is absent or down."""

from __future__ import annotations

import threading
import time

import redis

from backend.extensions import redis_store

_local: dict[str, tuple[int, float]] = {}
_lock = threading.Lock()


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
    return _hit_local(key, window)


def count(name: str, ident: str) -> int:
    """Returns the events counted for (name, ident) in the current window."""
    key = redis_store.key("rl", name, ident)
    client = redis_store.client()
    if client is not None:
        try:
            return int(client.get(key) or 0)
        except redis.RedisError as exc:
            redis_store.mark_down(exc)
    with _lock:
        value, expires = _local.get(key, (0, 0.0))
        return value if expires > time.monotonic() else 0


def reset(name: str, ident: str) -> None:
    """Forgets the events of (name, ident), e.g. after a successful login."""
    key = redis_store.key("rl", name, ident)
    with _lock:
        _local.pop(key, None)
    client = redis_store.client()
    if client is not None:
        try:
            client.delete(key)
        except redis.RedisError as exc:
            redis_store.mark_down(exc)


def _hit_local(key: str, window: int) -> int:
    now = time.monotonic()
    with _lock:
        value, expires = _local.get(key, (0, 0.0))
        if expires <= now:
            value, expires = 0, now + window
        value += 1
        _local[key] = (value, expires)
        return value
