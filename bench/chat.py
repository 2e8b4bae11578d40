"""bench/chat: /api/mp/chat round trip vs calling Rasa's webhook directly, in the same run.

Starts a backend (gunicorn, 2 workers × 4 threads, like the Procfile) on a scratch database, the
action server and Rasa with the trained model, then plays the same conversation both ways: each
round is a new resident on the backend and a new sender on the webhook (one conversation of
realistic messages each, since Rasa's cost per turn grows with the conversation), one message at a
time (what latency means to a resident), the two paths interleaved message by message so both see
the same machine load. Prints p50/p95/p99 of each, the backend's overhead, CPU per turn of the web,
Rasa, action server and PostgreSQL processes, the load average, the last training time and Rasa's
resident memory.
Usage: python -m bench.chat [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bench.common import ROOT, CpuMeter, gunicorn, percentile, prepare_database, process_tree, scratch_database, summary
from tests.bot_stack import BotStack, free_port

MESSAGES = [
    "你好", "宝宝刚出生怎么上户口", "那要带什么材料", "要多久能办好", "身份证丢了咋补办", "在哪里办",
    "谢谢", "今天天气怎么样", "我要投诉", "我的投诉处理得怎么样了", "医保怎么交", "低保怎么申请",
    "公积金能取出来吗", "再见", "能帮我做什么", "😀",
]
P95_TARGET_MS = 150
OVERHEAD_TARGET = 0.20


def _resident_tokens(env: dict, count: int) -> list[str]:
    from backend.app import create_app
    from backend.core.security import issue_token
    from backend.extensions import db
    from backend.residents.models import Resident
    from backend.settings import Settings

    app = create_app(Settings.from_env(env))
    with app.app_context():
        residents = [Resident(openid="bench-" + uuid.uuid4().hex, nickname="压测居民") for _ in range(count)]
        db.session.add_all(residents)
        db.session.commit()
        tokens = [issue_token("resident", resident.id)[0] for resident in residents]
        db.engine.dispose()
    return tokens


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _listening_pid(port: int) -> int:
    """The gunicorn master started for this port (its command line names the bind address)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "gunicorn" in cmdline and f"127.0.0.1:{port}" in cmdline and "--bind" in cmdline:
                pids = process_tree(int(entry.name))
                if len(pids) > 1:  # the master has the workers as children
                    return int(entry.name)
    raise RuntimeError(f"no gunicorn on port {port}")


def _postgres_backends(database_url: str) -> list[int]:
    if not database_url.startswith("postgresql"):
        return []
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                          "AND pid <> pg_backend_pid()")))
    finally:
        engine.dispose()


def _load() -> str:
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=12, help="conversations played on each path")
    args = parser.parse_args()
    print(f"start: {_load()}", flush=True)
    with scratch_database() as database_url:
        port = free_port()
        env = {**os.environ, "APP_ENV": "test", "SECRET_KEY": uuid.uuid4().hex * 2, "DATABASE_URL": database_url,
               "BOT_SERVICE_TOKEN": "bench-" + uuid.uuid4().hex, "PYTHONPATH": str(ROOT)}
        prepare_database(env)
        backend_url = f"http://127.0.0.1:{port}"
        with BotStack(backend_url, env["BOT_SERVICE_TOKEN"], Path("/tmp")) as stack:
            env.update(RASA_URL=stack.url, RASA_TOKEN=stack.token, RASA_TIMEOUT="10")
            tokens = _resident_tokens(env, args.rounds + 1)
            with gunicorn(env, port):
                http = requests.Session()
                http.trust_env = False
                chat_url = f"{backend_url}/api/mp/chat"
                webhook = f"{stack.url}/webhooks/zhijian/webhook"
                rasa_headers = {"Authorization": f"Bearer {stack.token}"}

                def via_backend(token: str, message: str) -> None:
                    http.post(chat_url, json={"text": message}, headers={"Authorization": f"Bearer {token}"},
                              timeout=30).raise_for_status()

                def direct(sender: str, message: str) -> None:
                    http.post(webhook, json={"sender": sender, "message": message}, headers=rasa_headers,
                              timeout=30).raise_for_status()

                for message in MESSAGES:  # warm-up of both paths: first calls load lazily initialised parts
                    via_backend(tokens[0], message)
                    direct("bench-warm-up", message)
                web_pid = _listening_pid(port)
                meter = CpuMeter({
                    "web": lambda: process_tree(web_pid),
                    "rasa": lambda: process_tree(stack.processes[1].pid),
                    "actions": lambda: process_tree(stack.processes[0].pid),
                    "postgres": lambda: _postgres_backends(database_url),
                })
                backend_ms, direct_ms = [], []
                meter.start()
                for token in tokens[1:]:
                    sender = "bench-direct-" + uuid.uuid4().hex[:8]
                    for message in MESSAGES:
                        backend_ms.append(_timed(lambda t=token, m=message: via_backend(t, m)))
                        direct_ms.append(_timed(lambda s=sender, m=message: direct(s, m)))
                meter.stop()
                rasa_rss = _rss_mb(stack.processes[1].pid)
                actions_rss = _rss_mb(stack.processes[0].pid)
    print(f"end: {_load()}")
    print(summary("/api/mp/chat via backend", backend_ms))
    print(summary("Rasa webhook directly", direct_ms))
    overhead = statistics.fmean(backend_ms) / statistics.fmean(direct_ms) - 1
    paired = [b - d for b, d in zip(backend_ms, direct_ms, strict=True)]
    print(f"backend p95 {percentile(backend_ms, 95):.0f} ms (target ≤ {P95_TARGET_MS} ms); overhead over the direct "
          f"webhook {overhead * 100:.1f} % of mean latency (target ≤ {OVERHEAD_TARGET * 100:.0f} %), "
          f"median paired difference {statistics.median(paired):.1f} ms")
    used, turns = meter.used, len(backend_ms) + len(direct_ms)
    print(f"CPU per turn: web {used['web'] * 1000 / len(backend_ms):.1f} ms per relayed turn (with the action "
          f"server's catalog calls of both paths) · " + " · ".join(
              f"{name} {used[name] * 1000 / turns:.1f} ms" for name in ("rasa", "actions", "postgres", "load generator")))
    print(f"Rasa server RSS: {rasa_rss:.0f} MB, action server RSS: {actions_rss:.0f} MB")
    seconds = ROOT / "bot" / "models" / ".train_seconds"
    print(f"last training time (make -C bot train, wall): "
          f"{seconds.read_text().strip() + ' s' if seconds.exists() else 'not recorded'}")


if __name__ == "__main__":
    main()
