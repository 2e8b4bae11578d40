"""Redis access that degrades instead of failing: every caller must cope with None."""

from __future__ import annotations

import logging
import time

import redis
from flask import current_app

log = logging.getLogger(__name__)


class RedisState:
    """One app's Redis client, key prefix and memory of a recent outage."""

    RETRY_AFTER = 2.0

    def __init__(self, url: str, prefix: str):
        self.url = url
        self.prefix = prefix
        self._client: redis.Redis | None = None
        self._down_until = 0.0

    def raw_client(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(
                self.url, socket_connect_timeout=0.5, socket_timeout=1.0, health_check_interval=30
            )
        return self._client

    def client(self) -> redis.Redis | None:
        if not self.url or time.monotonic() < self._down_until:
            return None
        return self.raw_client()

    def mark_down(self, exc: Exception) -> None:
        log.warning("redis unavailable: %s", exc.__class__.__name__)
        self._down_until = time.monotonic() + self.RETRY_AFTER

    def mark_up(self) -> None:
        self._down_until = 0.0


class RedisHolder:
    """Proxy to the current app's RedisState; bound with init_app like any extension."""

    def init_app(self, app):
        settings = app.config["SETTINGS"]
        app.extensions["redis"] = RedisState(settings.redis_url, settings.redis_prefix)

    @property
    def state(self) -> RedisState:
        return current_app.extensions["redis"]

    @property
    def configured(self) -> bool:
        return bool(self.state.url)

    @property
    def prefix(self) -> str:
        return self.state.prefix

    @prefix.setter
    def prefix(self, value: str) -> None:
        self.state.prefix = value

    def key(self, *parts) -> str:
        """Namespaces a key with the configured prefix (tests use one prefix each)."""
        return self.state.prefix + ":".join(str(p) for p in parts)

    def client(self) -> redis.Redis | None:
        """Returns a client, or None when Redis is not configured or was just seen down."""
        return self.state.client()

    def mark_down(self, exc: Exception) -> None:
        """Records an outage so the next calls skip Redis for a moment instead of timing out."""
        self.state.mark_down(exc)

    def ping(self) -> str:
        """Health of Redis: ok, down or not_configured."""
        state = self.state
        if not state.url:
            return "not_configured"
        try:
            state.raw_client().ping()
        except redis.RedisError as exc:
            state.mark_down(exc)
            return "down"
        state.mark_up()
        return "ok"
