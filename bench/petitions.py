"""Petition intake under load: gunicorn on loopback against PostgreSQL + Redis, JSON submissions.

python -m bench.petitions [--requests 3000] [--concurrency 16] [--rate 300] [--seconds 10] [--workers 2] [--threads 4]
Needs DATABASE_URL (PostgreSQL server; a fresh bench database is created and dropped) and REDIS_URL.
Prints submissions/s and p50/p95/p99, beside a trivial-endpoint baseline (/healthz) measured in the same run:
first closed loop (C connections, each sends when its previous answer came: the maximum rate), then open
loop (--rate submissions offered per second for --seconds, whatever the answers: the latency at that rate).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import CpuMeter, process_tree

ROOT = Path(__file__).resolve().parent.parent
BODY = {"type": "投诉", "street": "dongshan", "community": "dongshan_zhushan", "address": "竹山路 100 号",
        "contact_consent": True}
TEXTS = ("小区门口烧烤摊油烟很大，每天晚上熏得不能开窗", "楼下广场舞太吵了，晚上十点还在放音乐",
         "老板拖欠工资三个月不给", "家里停水两天了，一直没有通知", "你好，请问一下这个事情应该找谁呢")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin_engine(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def prepare(database_url: str, residents: int, env: dict) -> tuple[str, list[str]]:
    """Creates, migrates and seeds a fresh bench database; returns its URL and resident tokens."""
    from flask_migrate import upgrade

    from backend import seed
    from backend.app import create_app
    from backend.core.security import issue_token
    from backend.extensions import db
    from backend.residents.models import Resident
    from backend.settings import Settings

    base = Settings.from_env({"DATABASE_URL": database_url, "APP_ENV": "test"}).database_url
    name = f"zhijian_bench_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine(base)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    app = create_app(Settings.from_env({**env, "DATABASE_URL": url}))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed.load_all()
        db.session.add_all([Resident(openid=f"bench-{i}-{uuid.uuid4().hex[:8]}", nickname=f"压测{i}")
                            for i in range(residents)])
        db.session.commit()
        ids = db.session.scalars(text("SELECT id FROM residents ORDER BY id")).all()
        tokens = [issue_token("resident", rid)[0] for rid in ids]
        db.engine.dispose()
    return url, tokens


def drop(url: str) -> None:
    """Drops the bench database."""
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _wait_for(port: int, path: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


def _exchange(conn: http.client.HTTPConnection, port: int, request) -> tuple[http.client.HTTPConnection, int]:
    """Sends one request on a keep-alive connection; (the connection to use next, the status or 0)."""
    method, path, body, headers = request
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return conn, response.status
    except (OSError, http.client.HTTPException):
        conn.close()
        return http.client.HTTPConnection("127.0.0.1", port, timeout=10), 0


LOAD_PROCESSES = 4


def _run(port: int, total: int, connections: int, make_request, time_cap: float, due=None) -> dict:
    """Sends `total` requests over `connections` keep-alive connections and returns the figures. Closed
    loop when due is None (each connection sends when its previous answer came); otherwise request i is
    sent at due(i) and its latency counts from then. The connections are spread over a few processes:
    in one Python process their threads would queue for the GIL, and that wait would count as latency."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    stop_at = time.monotonic() + time_cap

    def client(share: int) -> None:
        latencies: list[float] = []
        errors: dict[int, int] = {}
        counter = iter(range(share, total, LOAD_PROCESSES))
        lock = threading.Lock()

        def worker():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            while time.monotonic() < stop_at:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                request = make_request(index)
                started = time.perf_counter()
                if due is not None:
                    started = due(index)
                    if started > time.perf_counter():
                        time.sleep(started - time.perf_counter())
                conn, status = _exchange(conn, port, request)
                elapsed = time.perf_counter() - started
                with lock:
                    if status in (200, 201):
                        latencies.append(elapsed)
                    else:
                        errors[status] = errors.get(status, 0) + 1

        threads = [threading.Thread(target=worker) for _ in range(max(1, connections // LOAD_PROCESSES))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results.put((latencies, errors))

    processes = [context.Process(target=client, args=(share,)) for share in range(LOAD_PROCESSES)]
    began = time.perf_counter()
    for process in processes:
        process.start()
    latencies, errors = [], {}
    for _ in processes:
        part, part_errors = results.get()
        latencies += part
        for status, count in part_errors.items():
            errors[status] = errors.get(status, 0) + count
    for process in processes:
        process.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")

    return {"ok": len(ordered), "errors": errors, "rate": len(ordered) / wall, "p50": pct(0.50),
            "p95": pct(0.95), "p99": pct(0.99), "mean": statistics.fmean(ordered) * 1000 if ordered else 0}


def load(port: int, requests_total: int, concurrency: int, make_request, time_cap: float) -> dict:
    """Closed loop: requests_total requests over `concurrency` keep-alive connections (the maximum rate)."""
    return _run(port, requests_total, concurrency, make_request, time_cap)


def paced_load(port: int, rate: float, total: int, make_request, connections: int, time_cap: float) -> dict:
    """Open loop: request i is due at start + i/rate whatever happened to those before it, and its latency
    counts from when it was due — a server that falls behind shows in the percentiles instead of slowing
    the client down (no coordinated omission)."""
    start = time.perf_counter() + 0.1
    return _run(port, total, connections, make_request, time_cap, due=lambda index: start + index / rate)


def main(argv: list[str] | None = None) -> None:
    """Sets up, runs the baseline and the submissions, prints the figures, cleans up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16, help="closed loop: client connections")
    parser.add_argument("--rate", type=float, default=300.0, help="open loop: submissions offered per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="open loop: how long")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--time-cap", type=float, default=60.0, help="seconds per phase at most")
    parser.add_argument("--routing", choices=("worker", "after_response"), default="worker",
                        help="PETITION_ROUTING; worker also starts `python -m backend.worker`")
    args = parser.parse_args(argv)
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("bench.petitions needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    wechat_port, web_port = _free_port(), _free_port()
    env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": "bench-" + uuid.uuid4().hex,
           "REDIS_URL": redis_url, "REDIS_PREFIX": f"bench:{uuid.uuid4().hex[:6]}:",
           "WECHAT_API_BASE": f"http://127.0.0.1:{wechat_port}", "RASA_URL": "", "PYTHONPATH": str(ROOT),
           "PETITION_ROUTING": args.routing}
    url, tokens = prepare(database_url, min(args.requests, 2000), env)
    env["DATABASE_URL"] = url
    processes = []
    try:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "integrations.wechat.fake_server", "--port", str(wechat_port)], env=env,
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        processes.append(subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(args.workers), "--threads",
             str(args.threads), "--worker-class", "gthread", "--bind", f"127.0.0.1:{web_port}",
             "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT))
        if args.routing == "worker":
            # As in the Procfile: the worker runs only when the web processes leave a CPU idle (SCHED_IDLE);
            # residents wait on the web processes, routing and notifications can wait a few seconds.
            processes.append(subprocess.Popen(["chrt", "--idle", "0", sys.executable, "-m", "backend.worker"], env=env,
                                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_for(wechat_port, "/_fake/messages")
        _wait_for(web_port, "/healthz")
        run_id = uuid.uuid4().hex[:8]

        def baseline(_):
            return "GET", "/healthz", None, {}

        def submission(i):
            body = {**BODY, "content": f"{TEXTS[i % len(TEXTS)]}（{i}）"}
            headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}", "Content-Type": "application/json",
                       "Idempotency-Key": f"bench-{run_id}-{i}"}
            return "POST", "/api/mp/petitions", json.dumps(body, ensure_ascii=False).encode(), headers

        # Warm-up (imports, pools, caches) with keys of its own: a measured filing must never be a replay.
        load(web_port, 300, args.concurrency, lambda i: submission(10**6 + i), args.time_cap)
        groups = {"web": lambda: process_tree(processes[1].pid), "postgres": lambda: _backends(url),
                  "fake WeChat": lambda: [processes[0].pid]}
        if args.routing == "worker":
            groups["worker"] = lambda: process_tree(processes[2].pid)
        meter = CpuMeter(groups)
        meter.start()
        base = load(web_port, args.requests, args.concurrency, baseline, args.time_cap)
        meter.stop()
        base_cpu = meter.per_request(base["ok"])
        meter.start()
        subs = load(web_port, args.requests, args.concurrency, submission, args.time_cap)
        meter.stop()
        subs_cpu = meter.per_request(subs["ok"])
        closed_worker_cpu = meter.used.get("worker", 0.0)
        # The worker routes the closed loop's burst first, so the open loop starts from a quiet state.
        if args.routing == "worker":
            meter.start()
        drained = _drain(url, args.time_cap)
        if args.routing == "worker":
            meter.stop()
            # Everything the worker spent on the closed loop's filings: meanwhile, and draining after it.
            drained["worker_ms_per_filing"] = (closed_worker_cpu + meter.used["worker"]) * 1000 / max(subs["ok"], 1)
        offered = int(args.rate * args.seconds)
        paced = paced_load(web_port, args.rate, offered, lambda i: submission(args.requests + i),
                           max(64, int(args.rate * 0.2)), args.time_cap)
        # Whether the worker kept up with a steady rate: what is left to do when the open loop ends.
        paced_drained = _drain(url, args.time_cap) if args.routing == "worker" else None
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        drop(url)
    print(f"gunicorn gthread workers={args.workers} threads={args.threads}; routing {args.routing}; "
          f"{args.concurrency} client connections;"
          f" {os.cpu_count()} CPUs; PostgreSQL + Redis + fake WeChat msg_sec_check on loopback")
    for label, figures in (("baseline GET /healthz", base), ("POST /api/mp/petitions", subs)):
        print(f"{label:26s} {figures['rate']:8.1f}/s  p50 {figures['p50']:6.1f} ms  p95 {figures['p95']:6.1f} ms"
              f"  p99 {figures['p99']:6.1f} ms  ok {figures['ok']}  errors {figures['errors'] or 0}")
    print(f"{'POST at ' + format(args.rate, 'g') + '/s offered':26s} {paced['rate']:8.1f}/s  p50 {paced['p50']:6.1f} ms"
          f"  p95 {paced['p95']:6.1f} ms  p99 {paced['p99']:6.1f} ms  ok {paced['ok']} of {offered}"
          f"  errors {paced['errors'] or 0}  (open loop, latency from when each was due)")
    print(f"submissions/s as a share of the baseline: {subs['rate'] / base['rate']:.2f}")
    print(f"CPU per request, baseline:   {base_cpu}")
    print(f"CPU per request, submission: {subs_cpu} (worker: what it did meanwhile)")
    _print_drain("the closed loop", drained, args.routing)
    if paced_drained is not None:
        _print_drain("the open loop", paced_drained, args.routing)


def _print_drain(phase: str, drained: dict, routing: str) -> None:
    counts = drained["end"]
    print(f"after {phase}: {counts['dispatched']} dispatched, {counts['manual']} in the manual queue, "
          f"{counts['unrouted']} not yet routed, {counts['undelivered']} notifications not yet sent")
    if routing != "worker":
        return
    start, route_s, send_s = drained["start"], drained["routed_s"], drained["delivered_s"]
    if route_s is None or send_s is None:
        print(f"worker: the backlog of {phase} was not gone within the time cap")
        return
    cpu = drained.get("worker_ms_per_filing")
    print(f"worker backlog at the end of {phase}: {start['unrouted']} to route, {start['undelivered']} to notify;"
          f" all routed after {route_s:.1f} s, all sent after {send_s:.1f} s"
          + (f"; worker CPU {cpu:.2f} ms per filing (routing it and sending its notice)" if cpu else ""))


def _backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the bench database (the app's pooled connections)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        pids = conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid()")).all()
    engine.dispose()
    return list(pids)


def _drain(url: str, time_cap: float) -> dict:
    """Waits (at most time_cap) until the worker has routed every petition and sent every notification; the
    counts at the start and the end, and the seconds until each backlog was gone."""
    began = time.monotonic()
    counts = start = _backlog(url)
    routed_s = delivered_s = None
    while time.monotonic() - began < time_cap:
        if routed_s is None and not counts["unrouted"]:
            routed_s = time.monotonic() - began
        if not counts["unrouted"] and not counts["undelivered"]:
            delivered_s = time.monotonic() - began
            break
        time.sleep(0.25)
        counts = _backlog(url)
    return {"start": start, "end": counts, "routed_s": routed_s, "delivered_s": delivered_s}


def _backlog(url: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text(
            "SELECT CASE WHEN routed_at IS NULL THEN 'unrouted' WHEN department_id IS NULL THEN 'manual' "
            "ELSE 'dispatched' END, count(*) FROM petitions GROUP BY 1")).all())
        rows["undelivered"] = conn.scalar(text(
            "SELECT count(*) FROM outbox_messages WHERE status IN ('pending', 'sending', 'delivering')"))
    engine.dispose()
    return {k: rows.get(k, 0) for k in ("dispatched", "manual", "unrouted", "undelivered")}


if __name__ == "__main__":
    main()
