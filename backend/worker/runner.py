"""Runs the worker: an RQ SimpleWorker on the outbox queue (with Redis) and the periodic loop."""

from __future__ import annotations

import logging
import signal
import threading
from importlib import import_module

import redis
from rq import Queue, SimpleWorker

from backend.outbox.jobs import drain_all
from backend.outbox.service import queue_name
from backend.worker import JOB_MODULES, periodic

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
REDIS_RETRY_SECONDS = 5.0


class _Worker(SimpleWorker):
    """SimpleWorker (jobs run in this process, inside the app context) that tells us about SIGTERM/SIGINT."""

    stop_event: threading.Event
    # RQ doubles its wait between reconnection attempts up to a minute; after a Redis restart the queue should
    # be worked again within seconds (the periodic sweep delivers meanwhile, but later).
    max_connection_wait_time = REDIS_RETRY_SECONDS

    def request_stop(self, signum, frame):
        self.stop_event.set()
        super().request_stop(signum, frame)


def load_jobs(app) -> None:
    """Registers the outbox sweep and the domains' periodic jobs (each JOB_MODULES' register_jobs(settings))."""
    settings = app.config["SETTINGS"]
    for module in JOB_MODULES:
        import_module(module).register_jobs(settings)
    # Registered last, so it runs last in a round: messages queued by the jobs before it leave at once.
    # Not exclusive: claims are safe across workers, and more drainers drain faster.
    periodic.register_periodic("outbox.drain", drain_all, settings.worker_sweep_seconds, exclusive=False)


def periodic_loop(app, stop: threading.Event) -> None:
    """Runs due periodic jobs every second until stopped."""
    with app.app_context():
        while not stop.is_set():
            periodic.run_due()
            stop.wait(TICK_SECONDS)


def rq_loop(app, stop: threading.Event, *, burst: bool) -> None:
    """Works the outbox queue; survives Redis outages by reconnecting."""
    settings = app.config["SETTINGS"]
    # A connection of its own: RQ blocks on BLPOP longer than the app client's socket timeout.
    connection = redis.Redis.from_url(settings.redis_url, health_check_interval=30)
    with app.app_context():
        name = queue_name()
        while not stop.is_set():
            try:
                worker = _Worker([Queue(name, connection=connection)], connection=connection)
                worker.stop_event = stop
                worker.work(burst=burst, logging_level="INFO")
            except redis.RedisError as exc:
                log.warning("worker: Redis unavailable (%s); retrying in %ss", exc.__class__.__name__,
                            REDIS_RETRY_SECONDS)
            finally:
                _stop_on_signals(stop)  # RQ leaves its own handlers installed after work() returns
            if burst:
                return
            # work() returns on its own only after a Redis failure it could not ride out.
            stop.wait(REDIS_RETRY_SECONDS)


def _stop_on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())


def run(app, *, burst: bool = False) -> None:
    """The worker's main: burst = process what is queued and due once, then return."""
    load_jobs(app)
    redis_url = app.config["SETTINGS"].redis_url
    stop = threading.Event()
    if burst:
        if redis_url:
            rq_loop(app, stop, burst=True)
        with app.app_context():
            periodic.run_due(force=True)
        return
    # A stop lets the job in progress finish: a message sent but not yet marked would be sent again.
    _stop_on_signals(stop)
    if not redis_url:
        log.info("worker: embedded mode (no REDIS_URL): periodic jobs only")
        periodic_loop(app, stop)
        return
    sweeper = threading.Thread(target=periodic_loop, args=(app, stop), name="periodic", daemon=True)
    sweeper.start()
    try:
        rq_loop(app, stop, burst=False)
    finally:
        stop.set()
        sweeper.join(timeout=30)
