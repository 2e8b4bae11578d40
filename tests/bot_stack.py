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
from contextlib import contextmanager
from pathlib import Path

import requests
from werkzeug.serving import make_server

BOT = Path(__file__).resolve().parent.parent / "bot"
ROOT = BOT.parent
RASA = ROOT / ".venv-bot" / "bin" / "rasa"
WEB_PROCESSES = ("web", "web-internal")


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
    """The action server and the Rasa server as subprocesses, stopped on exit.

    `stores` (backend.devenv.rasa_stores()) starts Rasa as production does, through bot/scripts/serve.py with
    the SQL tracker store and the Redis lock store; without it the conversations stay in Rasa's memory.
    Several stacks sharing `stores` and `token` are instances of one bot.
    """

    def __init__(self, backend_url: str, service_token: str, log_dir: Path, *, stores: dict | None = None,
                 token: str | None = None, name: str = ""):
        models = sorted((BOT / "models").glob("*.tar.gz"))
        if not RASA.exists() or not models:
            raise RuntimeError("the bot is not built: run `make -C bot venv train` (make test does)")
        self.model = models[-1]
        self.token = token or "rasa-test-" + uuid.uuid4().hex
        self.stores = stores or {}
        self.name = name
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
        for key in ("DATABASE_URL", "REDIS_URL", "RASA_TRACKER_DB_URL", "RASA_TRACKER_LOGIN_DB",
                    "RASA_LOCK_REDIS_URL"):
            self.env.pop(key, None)  # the bot never reads the backend's stores, only its own
        self.env.update(self.stores)
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}{self.name}.log", "w")  # noqa: SIM115 — closed with the process
        process = subprocess.Popen(args, cwd=BOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    @property
    def rasa(self) -> subprocess.Popen:
        """The Rasa server process."""
        return self.processes[1]

    @property
    def actions(self) -> subprocess.Popen:
        """The action server process."""
        return self.processes[0]

    def start(self) -> BotStack:
        """Starts both processes without waiting for them (see wait())."""
        self._start("actions", [str(RASA), "run", "actions", "--actions", "actions", "-p", str(self.actions_port)])
        if self.stores:
            self._start("rasa", [str(RASA.with_name("python")), "scripts/serve.py", "--model", str(self.model),
                                 "--port", str(self.rasa_port)])
        else:
            self._start("rasa", [
                str(RASA), "run", "--enable-api", "--auth-token", self.token, "-i", "127.0.0.1",
                "-p", str(self.rasa_port), "-m", str(self.model), "--credentials", "credentials.yml",
                "--endpoints", "endpoints.yml",
            ])
        return self

    def wait(self, timeout: float = 420) -> BotStack:
        """Waits until the action server answers and Rasa has loaded its model; stops both if they do not."""
        deadline = time.monotonic() + timeout
        try:
            _wait(f"http://127.0.0.1:{self.actions_port}/health", deadline, self.actions)
            _wait(f"{self.url}/status?token={self.token}", deadline, self.rasa,
                  ok=lambda r: r.ok and bool(r.json().get("model_file")))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __enter__(self):
        return self.start().wait()  # __exit__ is not called when __enter__ fails: wait() stops them then

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
    return dataclasses.replace(settings, rasa_urls=(stack.url,), rasa_token=stack.token,
                               rasa_timeout=10.0)


def procfile_command(name: str) -> str:
    """The command of one process of the Procfile (what `make run` starts)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        key, sep, command = line.partition(":")
        if sep and key.strip() == name:
            return command.strip()
    raise KeyError(f"no {name} in the Procfile")


@contextmanager
def procfile_web(env: dict, web_port: int, internal_port: int, log_dir: Path):
    """The public and the internal gunicorn pools exactly as the Procfile starts them, on the given ports;
    yields (public URL, internal URL) once both answer /healthz."""
    env = {**env, "HOST": "127.0.0.1", "WEB_PORT": str(web_port), "INTERNAL_PORT": str(internal_port)}
    processes = []
    try:
        for name in WEB_PROCESSES:
            log = open(log_dir / f"{name}-{web_port}.log", "w")  # noqa: SIM115 — closed with the process
            processes.append(subprocess.Popen(["bash", "-c", "exec " + procfile_command(name)], cwd=ROOT, env=env,
                                              stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        for process, port in zip(processes, (web_port, internal_port), strict=True):
            _wait(f"http://127.0.0.1:{port}/healthz", deadline, process, ok=lambda r: r.status_code in (200, 503))
        yield f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{internal_port}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def drop_tracker_database(database_url: str) -> None:
    """Drops Rasa's SQL tracker database `<db>_rasa` made beside a PostgreSQL database (backend.devenv)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}_rasa" WITH (FORCE)'))
    admin.dispose()
