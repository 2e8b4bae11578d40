"""Registry of periodic jobs that the worker runs (SLA sweeps, outbox sweep…)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

import redis

from backend.core.database import end_session
from backend.extensions import db, redis_store

log = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    """A function run every `every_seconds` by one worker of the fleet (or by each, if not exclusive)."""

    name: str
    func: Callable[[], object] | str
    every_seconds: float
    exclusive: bool = True
    last_run: float = float("-inf")

    def resolve(self) -> Callable[[], object]:
        """The function itself; "module:attr" strings are imported on first use."""
        if isinstance(self.func, str):
            module, _, attr = self.func.partition(":")
            self.func = getattr(import_module(module), attr)
        return self.func


_jobs: dict[str, PeriodicJob] = {}


def register_periodic(name: str, func: Callable[[], object] | str, every_seconds: float, *,
                      exclusive: bool = True) -> PeriodicJob:
    """Registers (or replaces) a periodic job; func is a callable or "module:function".

    An exclusive job runs on one worker per interval when Redis is there (a lock key); without Redis
    every worker runs it, so jobs must be idempotent either way.
    """
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")
    job = PeriodicJob(name, func, every_seconds, exclusive)
    _jobs[name] = job
    return job


def unregister_periodic(name: str) -> None:
    """Removes a job (tests)."""
    _jobs.pop(name, None)


def registered() -> list[PeriodicJob]:
    """Every registered job."""
    return list(_jobs.values())


def _won_lock(job: PeriodicJob) -> bool:
    client = redis_store.client()
    if client is None:
        return True
    try:
        # Slightly shorter than the interval so the next run is not skipped by clock jitter.
        ttl_ms = max(int(job.every_seconds * 1000 * 0.9), 1)
        return bool(client.set(redis_store.key("periodic", job.name), "1", nx=True, px=ttl_ms))
    except redis.RedisError as exc:
        redis_store.mark_down(exc)
        return True


def run_due(*, force: bool = False) -> list[str]:
    """Runs every job whose interval has elapsed (all of them with force); returns the names run."""
    ran = []
    now = time.monotonic()
    for job in registered():
        if not force and now - job.last_run < job.every_seconds:
            continue
        job.last_run = now
        if job.exclusive and not force and not _won_lock(job):
            continue
        try:
            job.resolve()()
            ran.append(job.name)
        except Exception:  # noqa: BLE001 — one failing job must not stop the others or the worker
            log.exception("periodic job %s failed", job.name)
        finally:
            end_session(db.session)
    return ran
