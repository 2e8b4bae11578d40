"""bench/faults: faults under load — kill -9 Redis, Rasa, the action server, the worker and one gunicorn worker,
and restart PostgreSQL, while residents keep filing petitions and chatting; then restore each and go on.

Everything runs on private instances on free ports (tests/deployment.py): a PostgreSQL cluster initdb'd into a
temporary directory, a redis-server without persistence, the fake WeChat server, gunicorn (2 workers × 4
threads), `python -m backend.worker`, Rasa with the trained model and its action server.
Prints per fault: requests sent, 2xx, 4xx, 5xx, connection errors, degraded chat replies, petitions lost
(a 2xx whose petition is not in the database at the end), notifications sent twice (the fake WeChat server's
record, grouped per message), and the seconds until the stack recovered.
Usage: python -m bench.faults [--faults redis,rasa,...] [--hold 8] [--pg-down 3] [--petition-rate 8] [--chat-rate 2]
       [--sqlite] (SQLite instead of the private PostgreSQL; the postgres fault is then left out)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from backend.outbox.delivery import INTERRUPTED
from bench.petitions import BODY, TEXTS
from tests.deployment import Deployment

CHAT_MESSAGES = ("你好", "宝宝刚出生怎么上户口", "那要带什么材料", "身份证丢了咋补办", "在哪里办", "谢谢",
                 "医保怎么交", "低保怎么申请", "公积金能取出来吗", "再见")
# A question the bot answers through its action server with a service card: proves the actions work.
ACTION_PROBE = "身份证丢了怎么补办"
FAULTS = ("redis", "rasa", "actions", "worker", "web-worker", "postgres")
SQLITE_FAULTS = ("redis", "rasa", "actions", "worker", "web-worker")
PAGE_ID = re.compile(r"id=(\d+)")


@dataclass
class Record:
    """One request the load sent and what came back (status 0: the connection failed)."""

    kind: str
    sent: float
    done: float
    status: int
    degraded: bool = False
    petition_id: int | None = None
    body: str = ""
    retry_after: str | None = None


class Load:
    """Residents filing petitions and chatting at a steady pace on several threads, until stopped."""

    def __init__(self, base_url: str, tokens: list[str], *, petition_rate: float, chat_rate: float,
                 petition_threads: int = 6, chat_threads: int = 3, timeout: float = 30):
        self.base_url, self.tokens, self.timeout = base_url, tokens, timeout
        self.plan = [("petition", petition_rate / petition_threads, i) for i in range(petition_threads)]
        self.plan += [("chat", chat_rate / chat_threads, i) for i in range(chat_threads)]
        self.records: list[Record] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.run_id = uuid.uuid4().hex[:8]

    def start(self) -> Load:
        """Starts the sending threads."""
        for kind, rate, index in self.plan:
            if rate > 0:
                thread = threading.Thread(target=self._loop, args=(kind, rate, index), daemon=True)
                thread.start()
                self.threads.append(thread)
        return self

    def stop(self) -> None:
        """Stops sending and waits for the requests in flight."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(self.timeout + 5)

    def between(self, start: float, end: float) -> list[Record]:
        """The requests answered (or failed) in [start, end): a request in flight when a fault strikes belongs to
        that fault."""
        with self.lock:
            return [record for record in self.records if start <= record.done < end]

    def _loop(self, kind: str, rate: float, index: int) -> None:
        http = requests.Session()
        http.trust_env = False
        interval, count = 1.0 / rate, 0
        next_due = time.monotonic() + interval * index / len(self.plan)
        while not self.stopping.is_set():
            pause = next_due - time.monotonic()
            if pause > 0 and self.stopping.wait(pause):
                return
            # A slow answer delays this thread's next request; it never makes it send a burst afterwards.
            next_due = max(next_due + interval, time.monotonic())
            record = self._petition(http, index, count) if kind == "petition" else self._chat(http, index, count)
            count += 1
            with self.lock:
                self.records.append(record)

    def _token(self, kind: str, index: int, count: int) -> str:
        # Chat threads keep a resident for a few turns (a conversation); petition threads rotate through all.
        slot = (count // 5) * 7 + index if kind == "chat" else count * 13 + index
        return self.tokens[slot % len(self.tokens)]

    def _petition(self, http: requests.Session, index: int, count: int) -> Record:
        body = {**BODY, "content": f"{TEXTS[count % len(TEXTS)]}（{index}-{count}）"}
        headers = {"Authorization": f"Bearer {self._token('petition', index, count)}",
                   "Idempotency-Key": f"faults-{self.run_id}-{index}-{count}"}
        record = self._send(http, "petition", "/api/mp/petitions", body, headers)
        if 200 <= record.status < 300:
            record.petition_id = json.loads(record.body)["id"]
        return record

    def _chat(self, http: requests.Session, index: int, count: int) -> Record:
        headers = {"Authorization": f"Bearer {self._token('chat', index, count)}"}
        text = CHAT_MESSAGES[count % len(CHAT_MESSAGES)]
        record = self._send(http, "chat", "/api/mp/chat", {"text": text}, headers)
        if record.status == 200:
            record.degraded = bool(json.loads(record.body).get("degraded"))
        return record

    def _send(self, http: requests.Session, kind: str, path: str, body: dict, headers: dict) -> Record:
        sent = time.monotonic()
        try:
            response = http.post(self.base_url + path, json=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            return Record(kind, sent, time.monotonic(), 0, body=exc.__class__.__name__)
        return Record(kind, sent, time.monotonic(), response.status_code, body=response.text,
                      retry_after=response.headers.get("Retry-After"))


# --- faults ---------------------------------------------------------------------------------------------

@dataclass
class Fault:
    """What one fault does, how it is undone (None: the stack heals itself) and what "recovered" means."""

    name: str
    what: str
    inject: Callable[[Deployment], object]
    restore: Callable[[Deployment], object] | None
    # recovered(deployment, load, since) → the moment (monotonic) it recovered, or None if not yet.
    recovered: Callable[[Deployment, Load, float], float | None]


def _first(load: Load, since: float, accept: Callable[[Record], bool]) -> float | None:
    with load.lock:
        done = [record.done for record in load.records if record.done >= since and accept(record)]
    return min(done) if done else None


def _healthz(deployment: Deployment) -> dict:
    try:
        return requests.get(deployment.web_url + "/healthz", timeout=5).json().get("components", {})
    except (requests.RequestException, ValueError):
        return {}


def _queue_worked(deployment: Deployment) -> bool:
    # The web sees Redis again and the worker's RQ connection is back, blocked waiting on the queue.
    import redis

    if _healthz(deployment).get("redis") != "ok":
        return False
    try:
        clients = redis.Redis(port=deployment.redis.port, socket_timeout=1).client_list()
    except redis.RedisError:
        return False
    return any(client.get("cmd") in ("blpop", "blmove") for client in clients)


def _when(condition: Callable[[], bool]) -> float | None:
    return time.monotonic() if condition() else None


def _action_answers(deployment: Deployment, token: str) -> bool:
    try:
        response = requests.post(deployment.web_url + "/api/mp/chat", json={"text": ACTION_PROBE},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=15)
        replies = response.json().get("replies", []) if response.ok else []
    except (requests.RequestException, ValueError):
        return False
    return any(card.get("type") == "service_item" for reply in replies for card in reply.get("cards", []))


def _backlog_routed(deployment: Deployment, load: Load, since: float) -> float | None:
    # Every petition filed before the restore has been routed (by the restarted worker).
    with load.lock:
        filed = [r.petition_id for r in load.records if r.petition_id is not None and r.done < since]
    rows = deployment.query("SELECT count(*) FROM petitions WHERE routed_at IS NULL AND id <= :last",
                            last=max(filed, default=0))
    return time.monotonic() if rows[0][0] == 0 else None


def _kill_web_worker(deployment: Deployment) -> None:
    deployment.fault_notes["web-worker"] = pid = deployment.web_workers_pids()[0]
    os.kill(pid, 9)


def _web_worker_back(deployment: Deployment, load: Load, since: float) -> float | None:
    pids = deployment.web_workers_pids()
    if len(pids) < deployment.web_workers or deployment.fault_notes.get("web-worker") in pids:
        return None
    return _first(load, since, lambda r: 200 <= r.status < 300)


def fault_table(probe_token: str) -> dict[str, Fault]:
    """Every fault the bench can inject, by name."""
    return {
        "redis": Fault("redis", "kill -9 redis-server", lambda d: d.redis.stop(), lambda d: d.redis.start(),
                       lambda d, load, since: _when(lambda: _queue_worked(d))),
        "rasa": Fault("rasa", "kill -9 Rasa", lambda d: d.processes["rasa"].kill(),
                      lambda d: d.processes["rasa"].start(wait=False),
                      lambda d, load, since: _first(load, since,
                                                    lambda r: r.kind == "chat" and r.status == 200 and not r.degraded)),
        "actions": Fault("actions", "kill -9 the action server", lambda d: d.processes["actions"].kill(),
                         lambda d: d.processes["actions"].start(wait=False),
                         lambda d, load, since: _when(lambda: _action_answers(d, probe_token))),
        "worker": Fault("worker", "kill -9 python -m backend.worker", lambda d: d.processes["worker"].kill(),
                        lambda d: d.processes["worker"].start(wait=False),
                        _backlog_routed),
        "web-worker": Fault("web-worker", "kill -9 one gunicorn worker", _kill_web_worker, None, _web_worker_back),
        "postgres": Fault("postgres", "PostgreSQL crash (stop -m immediate) and start", lambda d: d.postgres.crash(),
                          lambda d: d.postgres.start(),
                          lambda d, load, since: _first(load, since,
                                                        lambda r: r.kind == "petition" and 200 <= r.status < 300)),
    }


@dataclass
class Phase:
    """One fault's window of the run and what was measured in it."""

    name: str
    what: str
    start: float
    end: float = 0.0
    restored: float | None = None
    down_s: float | None = None
    recover_s: float | None = None
    records: list[Record] = field(default_factory=list)
    figures: dict = field(default_factory=dict)


def run_fault(deployment: Deployment, load: Load, fault: Fault, *, hold: float, settle: float,
              recover_timeout: float) -> Phase:
    """Injects the fault, holds it under load, restores it and waits until the stack has recovered."""
    phase = Phase(fault.name, fault.what, time.monotonic())
    print(f"[{time.strftime('%H:%M:%S')}] {fault.name}: {fault.what}", flush=True)
    fault.inject(deployment)
    if fault.restore is not None:
        time.sleep(hold)
        phase.restored = time.monotonic()
        fault.restore(deployment)
        phase.down_s = time.monotonic() - phase.start
    since = phase.restored or phase.start
    deadline = since + recover_timeout
    while time.monotonic() < deadline:
        moment = fault.recovered(deployment, load, since)
        if moment is not None:
            phase.recover_s = moment - since
            break
        time.sleep(0.25)
    for managed in deployment.processes.values():  # a restored process must really be up before the next fault
        if managed.alive():
            managed.wait_ready(recover_timeout)
    time.sleep(settle)
    phase.end = time.monotonic()
    return phase


# --- figures --------------------------------------------------------------------------------------------

def figures(records: list[Record], existing: set[int], duplicates_by_petition: Counter, start: float) -> dict:
    """Counts for the requests of one phase (samples of failures: sent → answered, in seconds since start)."""
    ok = [r for r in records if 200 <= r.status < 300]
    petitions = [r.petition_id for r in ok if r.petition_id is not None]
    return {
        "sent": len(records), "2xx": len(ok), "4xx": sum(400 <= r.status < 500 for r in records),
        "5xx": sum(r.status >= 500 for r in records), "conn": sum(r.status == 0 for r in records),
        "degraded": sum(r.degraded for r in records),
        "lost": sum(pid not in existing for pid in petitions),
        "twice": sum(duplicates_by_petition.get(pid, 0) for pid in petitions),
        "samples": [f"{r.kind} +{r.sent - start:.1f}→+{r.done - start:.1f} s: {r.status} {r.body[:120]}"
                    for r in records if r.status >= 500 or r.status == 0][:8],
    }


def duplicate_sends(messages: list[dict]) -> Counter:
    """Per petition id: how many subscription messages were sent more than once (same recipient, page, data)."""
    counts = Counter(json.dumps(message, sort_keys=True, ensure_ascii=False) for message in messages)
    extra: Counter = Counter()
    for raw, count in counts.items():
        if count > 1:
            found = PAGE_ID.search(json.loads(raw).get("page") or "")
            extra[int(found.group(1)) if found else -1] += count - 1
    return extra


def wait_drained(deployment: Deployment, timeout: float) -> dict:
    """Waits until every petition is routed and no notification is waiting; returns what is left."""
    deadline = time.monotonic() + timeout
    while True:
        left = {
            "unrouted": deployment.query("SELECT count(*) FROM petitions WHERE routed_at IS NULL")[0][0],
            "undelivered": deployment.query(
                "SELECT count(*) FROM outbox_messages WHERE status IN ('pending', 'sending', 'delivering')")[0][0],
        }
        if not any(left.values()) or time.monotonic() > deadline:
            failed = deployment.query("SELECT last_error FROM outbox_messages WHERE status = 'failed'")
            left["interrupted"] = sum(error == INTERRUPTED for (error,) in failed)
            left["failed"] = len(failed) - left["interrupted"]
            return left
        time.sleep(1)


HEADER = (f"{'fault':<11} {'sent':>5} {'2xx':>5} {'4xx':>4} {'5xx':>4} {'conn':>5} {'degr':>5} {'lost':>5}"
          f" {'twice':>5} {'down s':>6} {'recover s':>9}")


def row(phase: Phase) -> str:
    """One line of the table."""
    f = phase.figures
    recover = "—" if phase.name == "baseline" else ("not" if phase.recover_s is None else f"{phase.recover_s:.1f}")
    down = "—" if phase.down_s is None else f"{phase.down_s:.1f}"
    return (f"{phase.name:<11} {f['sent']:>5} {f['2xx']:>5} {f['4xx']:>4} {f['5xx']:>4} {f['conn']:>5}"
            f" {f['degraded']:>5} {f['lost']:>5} {f['twice']:>5} {down:>6} {recover:>9}")


def run(deployment: Deployment, names: list[str], *, residents: int, petition_rate: float, chat_rate: float,
        baseline: float, hold: float, settle: float, recover_timeout: float, drain_timeout: float,
        pg_down: float) -> dict:
    """Runs the load, the faults one after the other and the final checks; returns phases and totals."""
    tokens = deployment.residents(residents + 1)
    faults = fault_table(tokens[-1])
    load = Load(deployment.web_url, tokens[:-1], petition_rate=petition_rate, chat_rate=chat_rate).start()
    phases = [Phase("baseline", "no fault", time.monotonic())]
    try:
        time.sleep(baseline)
        phases[0].end = time.monotonic()
        for name in names:
            phases.append(run_fault(deployment, load, faults[name], hold=pg_down if name == "postgres" else hold,
                                    settle=settle, recover_timeout=recover_timeout))
    finally:
        load.stop()
    phases[-1].end = float("inf")  # requests answered while the load stopped belong to the last phase
    left = wait_drained(deployment, drain_timeout)
    ids = [r.petition_id for r in load.records if r.petition_id is not None]
    existing = {row[0] for row in deployment.query("SELECT id FROM petitions")} if ids else set()
    duplicates = duplicate_sends(deployment.wechat.messages())
    for phase in phases:
        phase.records = load.between(phase.start, phase.end)
        phase.figures = figures(phase.records, existing, duplicates, phase.start)
    return {"phases": phases, "left": left, "duplicates": sum(duplicates.values()),
            "notifications": len(deployment.wechat.messages())}


def report(result: dict) -> None:
    """Prints the table and the notes."""
    print(HEADER)
    for phase in result["phases"]:
        print(row(phase))
    totals = {key: sum(p.figures[key] for p in result["phases"]) for key in ("sent", "5xx", "lost", "twice")}
    print(f"total: {totals['sent']} requests, {totals['5xx']} 5xx, {totals['lost']} petitions lost, "
          f"{result['duplicates']} notifications sent twice of {result['notifications']} sent; after the run "
          f"{result['left']['unrouted']} petitions unrouted, {result['left']['undelivered']} notifications "
          f"undelivered, {result['left']['failed']} failed for good, {result['left']['interrupted']} not repeated "
          f"because a killed worker was sending them")
    print("recover s: redis — /healthz sees Redis again and the worker's RQ waits on the queue again; rasa — first chat answered by the bot after the restart; "
          "actions — first answer with a service card; worker — every petition filed before the restart routed; "
          "web-worker — gunicorn has replaced the worker and a request succeeded (from the kill); postgres — "
          "first petition filed after the start. conn: connection errors (no HTTP answer); degr: 200 chat "
          "replies marked degraded.")
    for phase in result["phases"]:
        for sample in phase.figures["samples"]:
            print(f"  {phase.name}: {sample}")


def main(argv: list[str] | None = None) -> None:
    """Starts the private stack, runs the faults under load and prints the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated, of {', '.join(FAULTS)}")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of the private PostgreSQL")
    parser.add_argument("--bot-stores", choices=("memory", "production"), default="memory",
                        help="Rasa's tracker/lock stores: in memory, or SQL tracker on the same PostgreSQL + "
                             "Redis lock store (as `make run` on PostgreSQL)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs after the run")
    parser.add_argument("--petition-rate", type=float, default=8.0, help="petitions per second offered")
    parser.add_argument("--chat-rate", type=float, default=2.0, help="chat messages per second offered")
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--baseline", type=float, default=8.0, help="seconds of load before the first fault")
    parser.add_argument("--hold", type=float, default=8.0, help="seconds a fault lasts before it is restored")
    parser.add_argument("--pg-down", type=float, default=3.0,
                        help="seconds PostgreSQL stays down (a restart takes a few; longer outages answer 503)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds of load after each recovery")
    parser.add_argument("--recover-timeout", type=float, default=240.0)
    parser.add_argument("--drain-timeout", type=float, default=180.0)
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.faults.split(",") if name.strip()]
    unknown = set(names) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    database_url = None
    if args.sqlite:
        names = [name for name in names if name in SQLITE_FAULTS]
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='zj-faults-sqlite-')}/faults.sqlite3"
    # A SIGTERM ends the run like Ctrl-C: the private servers and processes are stopped and removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    with Deployment(database_url=database_url, bot_stores=args.bot_stores, keep_logs=args.keep_logs) as deployment:
        print(f"stack up in {time.monotonic() - started:.0f} s: web {deployment.web_url}, "
              f"{'SQLite' if args.sqlite else 'private PostgreSQL'}, Redis {deployment.redis.url}, logs "
              f"{deployment.logs}", flush=True)
        result = run(deployment, names, residents=args.residents, petition_rate=args.petition_rate,
                     chat_rate=args.chat_rate, baseline=args.baseline, hold=args.hold, settle=args.settle,
                     recover_timeout=args.recover_timeout, drain_timeout=args.drain_timeout, pg_down=args.pg_down)
    report(result)


if __name__ == "__main__":
    main()
