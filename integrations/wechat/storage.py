"""Where wechatpy keeps the access token: Redis (shared by every process) or, failing that, memory."""

from __future__ import annotations

import redis
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from backend.extensions import redis_store


class FallbackTokenStorage(SessionStorage):
    """wechatpy's RedisStorage under the app's key prefix, with an in-memory copy when Redis is down."""

    def __init__(self):
        self._memory = MemoryStorage()

    def _redis(self) -> RedisStorage | None:
        client = redis_store.client()
        # The prefix is read on every call: tests switch it per test.
        return RedisStorage(client, prefix=redis_store.key("wechat")) if client is not None else None

    def get(self, key, default=None):
        storage = self._redis()
        if storage is not None:
            try:
                return storage.get(key, default)
            except redis.RedisError as exc:
                redis_store.mark_down(exc)
        return self._memory.get(key, default)

    def set(self, key, value, ttl=None):
        # Keep the memory copy too, so a Redis outage does not force a token refresh per request.
        self._memory.set(key, value, ttl)
        storage = self._redis()
        if storage is not None:
            try:
                storage.set(key, value, ttl)
            except redis.RedisError as exc:
                redis_store.mark_down(exc)

    def delete(self, key):
        self._memory.delete(key)
        storage = self._redis()
        if storage is not None:
            try:
                storage.delete(key)
            except redis.RedisError as exc:
                redis_store.mark_down(exc)
