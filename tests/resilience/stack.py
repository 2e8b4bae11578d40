"""The deployment of the Procfile for tests: gunicorn (2 workers × 4 threads) and a worker process on the
test database, the fake WeChat on a free port, no Rasa (chat answers its degraded reply)."""

from __future__ import annotations

import os
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.common import gunicorn
from integrations.wechat.fake_server import FakeWeChatServer
from tests.bot_stack import free_port
from tests.worker.processes import running_worker

# gunicorn's access log names the worker (its pid) that served each request.
ACCESS_FORMAT = "%(p)s %(m)s %(U)s %(q)s %(s)s"


@dataclass
class Stack:
    """A running deployment: its URL, the fake WeChat, the environment and the access log."""

    url: str
    wechat: FakeWeChatServer
    env: dict
    access_log: Path

    def served(self, path: str, query: str = "") -> list[tuple[str, str]]:
        """(worker pid, status) of every logged request to path (with that exact query string, if given)."""
        rows = []
        for line in self.access_log.read_text().splitlines():
            parts = line.split(" ")
            if len(parts) == 5 and parts[2] == path and (not query or parts[3] == query):
                rows.append((parts[0], parts[4]))
        return rows

    def sessions_per_worker(self, count: int, tries: int = 80) -> list[list[requests.Session]]:
        """`count` kept-alive sessions on each of the two web workers: each new connection is probed to learn
        which worker took it."""
        by_pid: dict[str, list[requests.Session]] = {}
        for _ in range(tries):
            session = requests.Session()
            probe = f"probe={uuid.uuid4().hex}"
            assert session.get(f"{self.url}/healthz?{probe}", timeout=10).status_code in (200, 503)
            pid = _wait_for(lambda probe=probe: self.served("/healthz", probe))[0][0]
            by_pid.setdefault(pid, []).append(session)
            ready = [sessions[:count] for sessions in by_pid.values() if len(sessions) >= count]
            if len(ready) >= 2:
                return ready[:2]
        raise AssertionError(f"connections did not spread over the workers: { {k: len(v) for k, v in by_pid.items()} }")


def _wait_for(find, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while not (found := find()):
        assert time.monotonic() < deadline, "gunicorn did not log the request"
        time.sleep(0.02)
    return found


def start(stack: ExitStack, test_env: dict, tmp_dir: Path) -> Stack:
    """Starts the fake WeChat, gunicorn and the worker on the test database; stopped when `stack` closes."""
    wechat = stack.enter_context(FakeWeChatServer())
    env = {
        **test_env,
        "REDIS_PREFIX": f"test:{uuid.uuid4().hex[:8]}:",
        "WECHAT_API_BASE": wechat.url,
        "WECHAT_APPID": wechat.appid,
        "WECHAT_SECRET": wechat.secret,
        "RASA_URL": "",
        # The worker routes filings (keyword classifier without Rasa) while the web processes write.
        "PETITION_ROUTING": "worker",
        "WORKER_SWEEP_SECONDS": "1",
    }
    access_log = tmp_dir / "access.log"
    access_log.touch()
    port = free_port()
    url = stack.enter_context(gunicorn(
        {**os.environ, **env}, port,
        args=("--keep-alive", "30", "--access-logfile", str(access_log), "--access-logformat", ACCESS_FORMAT),
    ))
    stack.enter_context(running_worker(env))
    return Stack(url, wechat, env, access_log)
