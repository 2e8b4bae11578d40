"""Loopback load generation for the benchmarks: a gunicorn server and a bounded threaded client."""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import jsonify

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def bench_app():
    """The real app plus /bench/ping, a JSON endpoint that does no work (the throughput baseline)."""
    from backend.app import create_app

    app = create_app()
    app.add_url_rule("/bench/ping", "bench_ping", lambda: jsonify(status="ok"))

    @app.after_request
    def tag_worker(response):
        # Lets the warm-up see that every worker has loaded jieba and the index.
        response.headers["X-Bench-Worker"] = str(os.getpid())
        return response

    return app


@dataclass
class Server:
    process: subprocess.Popen
    port: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


BENCH_SECRET_KEY = "b" * 48


def start_gunicorn(database_url: str, workers: int = 2, timeout: float = 60.0, *, redis_url: str = "",
                   extra_env: dict | None = None) -> Server:
    """Starts gunicorn on a free loopback port with the bench app; waits until it answers."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development", "SECRET_KEY": BENCH_SECRET_KEY,
           "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"{HOST}:{port}", "--log-level", "warning",
         "--timeout", "180", "bench.load:bench_app()"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            status, _ = _get(port, "/bench/ping")
            if status == 200:
                return Server(process, port)
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(Server(process, port))
    raise RuntimeError("gunicorn did not start in time")


def stop_gunicorn(server: Server) -> None:
    """Stops the gunicorn master we started (it stops its workers)."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    status, body, _ = _request(port, path, headers=headers)
    return status, body


def _request(port: int, path: str, timeout: float = 60, headers: dict | None = None) -> tuple[int, bytes, str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("X-Bench-Worker", "")
    finally:
        connection.close()


def warm_up(port: int, paths: list[str], workers: int, *, seconds: float = 120.0, threads: int = 4,
            headers: list[dict] | None = None) -> int:
    """Sends requests until every worker has answered one quickly (bounded in time); returns the count.
    `headers`, when given, are cycled with the paths (request n gets headers[n % len(headers)])."""
    fast: set[str] = set()
    sent = itertools.count()
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline and len(fast) < workers:
            number = next(sent)
            started = time.monotonic()
            try:
                status, _, worker = _request(port, paths[number % len(paths)], timeout=seconds,
                                             headers=headers[number % len(headers)] if headers else None)
            except OSError:
                continue
            if status == 200 and time.monotonic() - started < 0.5:
                fast.add(worker)

    pool = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(seconds + 5)
    if len(fast) < workers:
        raise RuntimeError("the workers did not warm up in time")
    return next(sent)


def http_throughput(port: int, paths: list[str], *, seconds: float, threads: int,
                    max_requests: int = 100_000, headers: list[dict] | None = None) -> dict:
    """Requests per second of GETs over the paths, from `threads` clients, bounded in time and count
    (`headers` cycled with the paths, as in warm_up)."""
    counter = itertools.count()
    lock = threading.Lock()
    done, errors = [0], [0]
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            number = next(counter)
            if number >= max_requests:
                return
            try:
                status, _ = _get(port, paths[number % len(paths)],
                                 headers[number % len(headers)] if headers else None)
                ok = status == 200
            except OSError:
                ok = False
            with lock:
                done[0] += ok
                errors[0] += not ok

    started = time.monotonic()
    workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 15)
    elapsed = time.monotonic() - started
    return {"rps": done[0] / elapsed if elapsed else 0.0, "requests": done[0], "errors": errors[0]}
