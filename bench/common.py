"""Helpers shared by the benchmarks: a throwaway database, percentiles, a gunicorn server."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(name: str, latencies_ms: list[float]) -> str:
    """One line: count, mean, p50, p95, p99 in milliseconds."""
    return (f"{name:<34} n={len(latencies_ms):<5} mean={statistics.fmean(latencies_ms):7.1f} ms  "
            f"p50={percentile(latencies_ms, 50):7.1f}  p95={percentile(latencies_ms, 95):7.1f}  "
            f"p99={percentile(latencies_ms, 99):7.1f}")


@contextmanager
def scratch_database():
    """A fresh database URL: a new PostgreSQL database when DATABASE_URL is set, else SQLite."""
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    from backend.settings import _normalise_db_url

    url = make_url(_normalise_db_url(base))
    name = f"zhijian_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare_database(env: dict) -> None:
    """Migrates and seeds the database described by env (in a subprocess, like `make run`)."""
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([sys.executable, "-m", "flask", *args], env={**env, "FLASK_APP": "wsgi"}, cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@contextmanager
def gunicorn(env: dict, port: int, workers: int = 2, threads: int = 4, app: str = "wsgi:app", args: tuple = ()):
    """Runs gunicorn on loopback until the block ends (`args`: more command-line options)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", *args, app],
        cwd=ROOT, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code in (200, 503):
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, ()))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by the processes (those that have exited count 0)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _own_and_children_cpu() -> float:
    # This process and the load-generating processes it has waited for (the servers are still running).
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class CpuMeter:
    """CPU seconds used by named groups of processes between start() and stop() — a figure that, unlike
    throughput, hardly depends on what else the machine is doing."""

    def __init__(self, groups: dict[str, callable]):
        self.groups = groups  # name → function returning the group's pids now
        self.used: dict[str, float] = {}

    def start(self) -> None:
        self._pids = {name: find() for name, find in self.groups.items()}
        self._before = {name: cpu_seconds(pids) for name, pids in self._pids.items()}
        self._self_before = _own_and_children_cpu()

    def stop(self) -> dict[str, float]:
        self.used = {name: cpu_seconds(self._pids[name]) - self._before[name] for name in self.groups}
        self.used["load generator"] = _own_and_children_cpu() - self._self_before
        return self.used

    def per_request(self, count: int) -> str:
        """'web 3.1 ms · postgres 0.9 ms · …' per request."""
        count = max(count, 1)
        return " · ".join(f"{name} {seconds * 1000 / count:.2f} ms" for name, seconds in self.used.items())


def drain_outbox(app, drainers: int, *, limit: int) -> float:
    """Delivers every due outbox message with `drainers` threads claiming `limit` at a time; returns the seconds."""
    import threading

    from backend.extensions import db
    from backend.outbox.delivery import deliver_due

    def work():
        with app.app_context():
            while deliver_due(limit=limit).claimed:
                pass
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(drainers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
