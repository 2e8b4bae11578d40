"""Where wechatpy keeps the access token: Redis (shared by every process) or, failing that, memory."""

from __future__ import annotations

import time

import redis
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from backend.extensions import redis_store

# A token read from Redis is reused this long before asking Redis again. WeChat keeps an old token
# valid for 5 minutes after a refresh, and wechatpy refetches on "invalid token" anyway.
LOCAL_SECONDS = 30.0


class FallbackTokenStorage(SessionStorage):
    """wechatpy's RedisStorage under the app's key prefix, with an in-memory copy when Redis is down."""

    def __init__(self):
        self._memory = MemoryStorage()
        self._recent: dict[tuple[str, str], tuple[object, float]] = {}

    def _redis(self) -> RedisStorage | None:
        client = redis_store.client()
        # The prefix is read on every call: tests switch it per test.
        return RedisStorage(client, prefix=redis_store.key("wechat")) if client is not None else None

    def get(self, key, default=None):
        local = (redis_store.key("wechat"), key)
        recent = self._recent.get(local)
        if recent is not None and recent[1] > time.monotonic():
            return recent[0]
        storage = self._redis()
        if storage is not None:
            try:
                value = storage.get(key, default)
            except redis.RedisError as exc:
                redis_store.mark_down(exc)
            else:
                if value is not None and value != default:
                    self._recent[local] = (value, time.monotonic() + LOCAL_SECONDS)
                return value
        return self._memory.get(key, default)

    def set(self, key, value, ttl=None):
        # Keep the memory copy too, so a Redis outage does not force a token refresh per request.
        self._memory.set(key, value, ttl)
        self._recent.pop((redis_store.key("wechat"), key), None)
        storage = self._redis()
        if storage is not None:
            try:
                storage.set(key, value, ttl)
            except redis.RedisError as exc:
                redis_store.mark_down(exc)

    def delete(self, key):
        self._memory.delete(key)
        self._recent.pop((redis_store.key("wechat"), key), None)
        storage = self._redis()
        if storage is not None:
            try:
                storage.delete(key)
            except redis.RedisError as exc:
                redis_store.mark_down(exc)
