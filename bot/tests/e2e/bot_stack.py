"""Starting the bot for end-to-end tests: the action server and a Rasa server with the trained model on
free loopback ports, against a backend (the fake one, or the real one from the repository)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator

import requests

BOT_DIR = Path(__file__).resolve().parents[2]
ROOT = BOT_DIR.parent
RASA_TOKEN = "e2e-rasa-token"
MODEL = BOT_DIR / "models" / "zhijian.tar.gz"
STARTUP_SECONDS = 300
# The backend's own virtualenv (Python 3.11; the bot's is 3.10), for the real-backend tests.
BACKEND_PYTHON = ROOT / ".venv" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, name: str, ok=lambda status: status < 500) -> None:
    deadline = time.time() + STARTUP_SECONDS
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            if ok(requests.get(url, timeout=2).status_code):
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"{name} did not start within {STARTUP_SECONDS} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def bot_servers(backend_url: str, service_token: str, logs: Path) -> Iterator[Dict[str, object]]:
    """Action server + Rasa server on loopback against `backend_url`; stopped by pid afterwards."""
    assert MODEL.exists(), "train first: make -C bot train"
    action_port, rasa_port = free_port(), free_port()
    env = dict(os.environ, BACKEND_URL=backend_url, BOT_SERVICE_TOKEN=service_token,
               ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}/webhook",
               TF_CPP_MIN_LOG_LEVEL="2", RASA_TELEMETRY_ENABLED="false")
    bin_dir = Path(sys.executable).parent
    actions = subprocess.Popen([str(bin_dir / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
                               cwd=BOT_DIR, env=env, stdout=open(logs / "actions.log", "w"), stderr=subprocess.STDOUT)
    rasa = subprocess.Popen([str(bin_dir / "rasa"), "run", "--model", str(MODEL), "--endpoints", "endpoints.yml",
                             "--credentials", "credentials.yml", "--enable-api", "--auth-token", RASA_TOKEN,
                             "-i", "127.0.0.1", "-p", str(rasa_port)],
                            cwd=BOT_DIR, env=env, stdout=open(logs / "rasa.log", "w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, "action server")
        wait_until_up(f"http://127.0.0.1:{rasa_port}/status?token={RASA_TOKEN}", rasa, "rasa")
        yield {"url": f"http://127.0.0.1:{rasa_port}", "rasa_pid": rasa.pid}
    finally:
        for process in (rasa, actions):
            stop(process)


@contextmanager
def real_backend(logs: Path) -> Iterator[Dict[str, str]]:
    """The repository's backend (migrated, demo catalog seeded) on a throwaway SQLite database, served by
    gunicorn on loopback with the backend's virtualenv; yields its URL and the bot's service token."""
    assert BACKEND_PYTHON.exists(), f"the backend virtualenv is missing: {BACKEND_PYTHON} (make venv at the root)"
    token = "e2e-bot-" + uuid.uuid4().hex
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "APP_ENV": "test", "SECRET_KEY": uuid.uuid4().hex * 2, "BOT_SERVICE_TOKEN": token,
               "DATABASE_URL": f"sqlite:///{tmp}/e2e.sqlite3", "REDIS_URL": "", "FLASK_APP": "wsgi",
               "PYTHONPATH": str(ROOT)}
        for args in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run([str(BACKEND_PYTHON), "-m", "flask", *args], env=env, cwd=ROOT, check=True,
                           stdout=open(logs / "backend-setup.log", "a"), stderr=subprocess.STDOUT)
        port = free_port()
        server = subprocess.Popen([str(BACKEND_PYTHON), "-m", "gunicorn", "--workers", "1", "--threads", "8",
                                   "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                                  cwd=ROOT, env=env, stdout=open(logs / "backend.log", "w"), stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(f"{url}/api/mp/themes", server, "backend", ok=lambda status: status == 200)
            yield {"url": url, "token": token}
        finally:
            stop(server)
