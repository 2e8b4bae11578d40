"""Starts the real bot for tests: a live backend, the Rasa action server and the Rasa server
with the model trained from bot/ (`make -C bot train`, run by `make test`)."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import requests
from werkzeug.serving import make_server

BOT = Path(__file__).resolve().parent.parent / "bot"
RASA = BOT.parent / ".venv-bot" / "bin" / "rasa"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, deadline: float, process: subprocess.Popen, ok=lambda r: r.ok) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}: see {process.args}")
        try:
            if ok(requests.get(url, timeout=1)):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {url}")


class LiveServer:
    """The Flask app served over HTTP on loopback in a thread (for the action server to call)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


class BotStack:
    """The action server and the Rasa server as subprocesses, stopped on exit."""

    def __init__(self, backend_url: str, service_token: str, log_dir: Path):
        models = sorted((BOT / "models").glob("*.tar.gz"))
        if not RASA.exists() or not models:
            raise RuntimeError("the bot is not built: run `make -C bot venv train` (make test does)")
        self.model = models[-1]
        self.token = "rasa-test-" + uuid.uuid4().hex
        self.rasa_port, self.actions_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.env = {
            **os.environ,
            "BACKEND_URL": backend_url,
            "BOT_SERVICE_TOKEN": service_token,
            "RASA_TOKEN": self.token,
            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        for name in ("DATABASE_URL", "REDIS_URL"):
            self.env.pop(name, None)  # the bot keeps its trackers in memory in tests
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 — closed with the process
        process = subprocess.Popen(args, cwd=BOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def __enter__(self):
        actions = self._start("actions", [str(RASA), "run", "actions", "--actions", "actions",
                                          "-p", str(self.actions_port)])
        rasa = self._start("rasa", [
            str(RASA), "run", "--enable-api", "--auth-token", self.token, "-i", "127.0.0.1",
            "-p", str(self.rasa_port), "-m", str(self.model), "--credentials", "credentials.yml",
            "--endpoints", "endpoints.yml",
        ])
        deadline = time.monotonic() + 420
        try:
            _wait(f"http://127.0.0.1:{self.actions_port}/health", deadline, actions)
            _wait(f"{self.url}/status?token={self.token}", deadline, rasa,
                  ok=lambda r: r.ok and bool(r.json().get("model_file")))
        except BaseException:
            self.__exit__(None, None, None)  # __exit__ is not called when __enter__ fails
            raise
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def settings_with_bot(settings, stack: BotStack):
    """The app's settings pointing at the running Rasa server."""
    return dataclasses.replace(settings, rasa_url=stack.url, rasa_token=stack.token, rasa_timeout=10.0)
