"""bench/chat: chat through the backend vs Rasa's own webhook, at several levels of concurrent residents.

Starts the stack as production runs it: the web and web-internal gunicorn pools exactly as the Procfile
starts them, the action server calling the internal pool, and Rasa with the trained model — on
PostgreSQL + Redis (DATABASE_URL and REDIS_URL) with the SQL tracker store and the Redis lock store, as
`make run` derives them (backend/devenv.py); without both, SQLite and Rasa's in-memory stores.

For each level N of --concurrency: N distinct residents chat at once, each a conversation of
--messages consecutive messages of MESSAGES (resident i starts at message i), through
`POST /api/mp/chat`; then N distinct senders send the same conversations straight to Rasa's webhook.
The two paths alternate, --rounds times each, so both see the same machine. Prints per level and path:
turns/s, p50/p95/p99, degraded replies (the backend's apology) and failures, the backend's throughput as
a share of Rasa's own (must reach ≥ 80 %, with 0 degraded replies), and CPU per turn of each process.
Then, unless --latency-rounds 0, one resident at a time (what latency means to a resident).
Usage: python -m bench.chat [--concurrency 8,32,64] [--messages 5] [--rounds 4] [--latency-rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backend.devenv import rasa_stores
from bench.common import ROOT, CpuMeter, percentile, prepare_database, process_tree, scratch_database, summary
from tests.bot_stack import BotStack, drop_tracker_database, free_port, procfile_web

MESSAGES = [
    "你好", "宝宝刚出生怎么上户口", "那要带什么材料", "要多久能办好", "身份证丢了咋补办", "在哪里办",
    "谢谢", "今天天气怎么样", "我要投诉", "我的投诉处理得怎么样了", "医保怎么交", "低保怎么申请",
    "公积金能取出来吗", "再见", "能帮我做什么", "😀",
]
THROUGHPUT_SHARE_TARGET = 0.80
CLIENT_TIMEOUT = 120
WARM_UP = 8


def conversation(index: int, length: int) -> list[str]:
    """The messages resident `index` sends: `length` consecutive ones of MESSAGES from message `index`."""
    return [MESSAGES[(index + k) % len(MESSAGES)] for k in range(length)]


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


class Run:
    """One level on one path: N clients, each one conversation, all started together."""

    def __init__(self, send, clients: list, length: int, backend: bool):
        self.send, self.clients, self.length, self.backend = send, clients, length, backend
        self.latencies_ms: list[float] = []
        self.degraded = self.failures = 0
        self.seconds = 0.0
        self._lock = threading.Lock()

    def play(self) -> Run:
        """Plays every conversation at once and measures the wall time from the first send to the last reply."""
        barrier = threading.Barrier(len(self.clients) + 1)
        threads = [threading.Thread(target=self._client, args=(i, c, barrier)) for i, c in enumerate(self.clients)]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        self.seconds = time.perf_counter() - started
        return self

    def _client(self, index: int, client, barrier: threading.Barrier) -> None:
        http = requests.Session()
        http.trust_env = False
        barrier.wait()
        for message in conversation(index, self.length):
            started = time.perf_counter()
            try:
                response = self.send(http, client, message)
                ok = response.status_code == 200
                degraded = ok and self.backend and bool(response.json().get("degraded"))
            except (requests.RequestException, ValueError):
                ok, degraded = False, False
            elapsed = (time.perf_counter() - started) * 1000
            with self._lock:
                self.latencies_ms.append(elapsed)
                self.failures += not ok
                self.degraded += degraded

    @property
    def turns(self) -> int:
        return len(self.latencies_ms)


def _load() -> str:
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _postgres_backends(database_url: str) -> list[int]:
    """The server processes serving the backend's database and Rasa's tracker database."""
    if not database_url.startswith("postgresql"):
        return []
    engine = create_engine(database_url)
    name = make_url(database_url).database
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname IN (:db, :rasa) "
                                          "AND pid <> pg_backend_pid()"), {"db": name, "rasa": f"{name}_rasa"}))
    finally:
        engine.dispose()


def _gunicorn_tree(port: int) -> list[int]:
    """The gunicorn master bound to this port and its workers."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "gunicorn" in cmdline and f":{port} " in cmdline:
                pids = process_tree(int(entry.name))
                if len(pids) > 1:  # the master has the workers as children
                    return pids
    raise RuntimeError(f"no gunicorn on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", default="8,32,64", help="numbers of residents chatting at once")
    parser.add_argument("--messages", type=int, default=5, help="messages per resident at each level")
    parser.add_argument("--rounds", type=int, default=4, help="alternations of the two paths at each level")
    parser.add_argument("--latency-rounds", type=int, default=3, help="one-at-a-time conversations on each path")
    args = parser.parse_args()
    levels = [int(level) for level in args.concurrency.split(",") if level.strip()]
    print(f"start: {_load()}", flush=True)
    logs = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    print(f"process logs: {logs}", flush=True)
    with ExitStack() as stack:
        database_url = stack.enter_context(scratch_database())
        web_port, internal_port = free_port(), free_port()
        env = {**os.environ, "APP_ENV": "test", "SECRET_KEY": uuid.uuid4().hex * 2, "DATABASE_URL": database_url,
               "BOT_SERVICE_TOKEN": "bench-" + uuid.uuid4().hex, "PYTHONPATH": str(ROOT)}
        stores = rasa_stores(env)
        print("stores: " + ("PostgreSQL + Redis, Rasa with the SQL tracker store and the Redis lock store"
                            if stores else "SQLite or no Redis: Rasa keeps conversations in memory"), flush=True)
        if stores:
            stack.callback(drop_tracker_database, database_url)
        prepare_database(env)
        bot = stack.enter_context(BotStack(f"http://127.0.0.1:{internal_port}", env["BOT_SERVICE_TOKEN"], logs,
                                           stores=stores))
        env.update(RASA_URLS=bot.url, RASA_TOKEN=bot.token)
        tokens = iter(_resident_tokens(env, sum(levels) * args.rounds + args.latency_rounds + WARM_UP))
        backend_url, _ = stack.enter_context(procfile_web(env, web_port, internal_port, logs))
        chat_url, webhook = f"{backend_url}/api/mp/chat", f"{bot.url}/webhooks/zhijian/webhook"
        rasa_headers = {"Authorization": f"Bearer {bot.token}"}

        def via_backend(http, token, message):
            return http.post(chat_url, json={"text": message}, headers={"Authorization": f"Bearer {token}"},
                             timeout=CLIENT_TIMEOUT)

        def direct(http, sender, message):
            return http.post(webhook, json={"sender": sender, "message": message}, headers=rasa_headers,
                             timeout=CLIENT_TIMEOUT)

        # Warm-up of both paths, 8 at once so that every web worker is reached: first calls load lazily
        # initialised parts of every process.
        Run(via_backend, [next(tokens) for _ in range(WARM_UP)], len(MESSAGES) // 2, backend=True).play()
        Run(direct, [f"bench-warm-up-{i}" for i in range(WARM_UP)], len(MESSAGES) // 2, backend=False).play()
        meter = CpuMeter({
            "web": lambda: _gunicorn_tree(web_port), "web-internal": lambda: _gunicorn_tree(internal_port),
            "rasa": lambda: process_tree(bot.rasa.pid), "actions": lambda: process_tree(bot.actions.pid),
            "postgres": lambda: _postgres_backends(database_url),
        })
        results = []
        for level in levels:
            paths = {"backend": [], "rasa": []}
            cpu = {"backend": {}, "rasa": {}}
            for round_ in range(args.rounds):
                order = ("backend", "rasa") if round_ % 2 == 0 else ("rasa", "backend")
                for path in order:
                    if path == "backend":
                        run = Run(via_backend, [next(tokens) for _ in range(level)], args.messages, backend=True)
                    else:
                        run = Run(direct, [f"bench-{uuid.uuid4().hex[:12]}" for _ in range(level)], args.messages,
                                  backend=False)
                    meter.start()
                    paths[path].append(run.play())
                    for name, seconds in meter.stop().items():
                        cpu[path][name] = cpu[path].get(name, 0.0) + seconds
            results.append(_report(level, paths, cpu))
        if args.latency_rounds:
            _latency(via_backend, direct, [next(tokens) for _ in range(args.latency_rounds)])
    print(f"end: {_load()}")
    print("must reach: " + ("PASS" if all(results) else "FAIL") + f" (0 degraded replies and backend throughput "
          f"≥ {THROUGHPUT_SHARE_TARGET * 100:.0f} % of Rasa's own at every level)")
    seconds = ROOT / "bot" / "models" / ".train_seconds"
    print(f"last training time (make -C bot train, wall): "
          f"{seconds.read_text().strip() + ' s' if seconds.exists() else 'not recorded'}")


def _report(level: int, paths: dict[str, list[Run]], cpu: dict[str, dict[str, float]]) -> bool:
    """Prints one level; True when it reaches the target."""
    rates = {}
    print(f"\n{level} residents at once × {paths['backend'][0].length} messages, "
          f"{len(paths['backend'])} rounds per path ({_load()})")
    for path, runs in paths.items():
        latencies = [ms for run in runs for ms in run.latencies_ms]
        turns, seconds = sum(run.turns for run in runs), sum(run.seconds for run in runs)
        rates[path] = turns / seconds
        degraded, failures = sum(run.degraded for run in runs), sum(run.failures for run in runs)
        name = "/api/mp/chat via backend" if path == "backend" else "Rasa webhook directly"
        print(f"  {name:<26} {rates[path]:5.1f} turns/s  p50={percentile(latencies, 50):6.0f} ms  "
              f"p95={percentile(latencies, 95):6.0f} ms  p99={percentile(latencies, 99):6.0f} ms  "
              f"degraded={degraded}  failed={failures}  (n={turns})")
        print("    CPU per turn: " + " · ".join(f"{name} {seconds * 1000 / turns:.1f} ms"
                                             for name, seconds in cpu[path].items() if seconds))
    share = rates["backend"] / rates["rasa"]
    degraded = sum(run.degraded + run.failures for run in paths["backend"])
    ok = share >= THROUGHPUT_SHARE_TARGET and degraded == 0
    print(f"  backend throughput = {share * 100:.0f} % of Rasa's own (target ≥ {THROUGHPUT_SHARE_TARGET * 100:.0f} "
          f"%), degraded or failed replies {degraded} (target 0): {'PASS' if ok else 'FAIL'}", flush=True)
    return ok


def _latency(via_backend, direct, tokens: list[str]) -> None:
    """One message at a time, the two paths interleaved message by message."""
    http = requests.Session()
    http.trust_env = False
    backend_ms, direct_ms = [], []
    for token in tokens:
        sender = "bench-direct-" + uuid.uuid4().hex[:8]
        for message in MESSAGES:
            for call, target, sink in ((via_backend, token, backend_ms), (direct, sender, direct_ms)):
                started = time.perf_counter()
                call(http, target, message).raise_for_status()
                sink.append((time.perf_counter() - started) * 1000)
    print("\none resident at a time:")
    print(summary("/api/mp/chat via backend", backend_ms))
    print(summary("Rasa webhook directly", direct_ms))
    paired = [b - d for b, d in zip(backend_ms, direct_ms, strict=True)]
    print(f"backend overhead: {(statistics.fmean(backend_ms) / statistics.fmean(direct_ms) - 1) * 100:.1f} % of "
          f"mean latency, median paired difference {statistics.median(paired):.1f} ms")


if __name__ == "__main__":
    main()
