"""The deployment as child processes that a test or a bench can kill -9 and start again: a private PostgreSQL
cluster and Redis (never the shared ones), the fake WeChat server, gunicorn, the worker, Rasa and its action
server. Each process is described once (`Deployment.describe`), so a change in how one is started — another
pool, several Rasa instances — is made in one place."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import requests

from tests.bot_stack import BOT, free_port
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def _http_ok(url: str, ok=lambda response: response.status_code < 500) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            return ok(requests.get(url, timeout=1))
        except requests.RequestException:
            return False

    return probe


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux /proc)."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Managed:
    """One long-running process: start it (and wait until it is ready), kill -9 it, stop it."""

    def __init__(self, name: str, argv: list[str], *, env: dict, cwd: Path, ready: Callable[[], bool],
                 log_dir: Path, start_timeout: float = 60):
        self.name, self.argv, self.env, self.cwd = name, argv, env, cwd
        self.ready, self.log_dir, self.start_timeout = ready, log_dir, start_timeout
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, wait: bool = True) -> Managed:
        """Starts the process in a session of its own (so a kill reaches its children too)."""
        log = open(self.log_dir / f"{self.name}.log", "a")  # noqa: SIM115 — the child keeps it
        self.process = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float | None = None) -> None:
        """Polls ready() until it holds; fails if the process died or the time is up."""
        deadline = time.monotonic() + (timeout or self.start_timeout)
        while not self.ready():
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_dir}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready after {timeout or self.start_timeout} s")
            time.sleep(0.2)

    def kill(self) -> None:
        """kill -9 of the process and everything it started, like a crash."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s."""
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()


class PrivatePostgres:
    """A PostgreSQL cluster of our own in a temporary directory, on a free port, trust auth; as the
    postgres user when we are root (PostgreSQL refuses to run as root)."""

    def __init__(self, root: Path):
        if PG_BIN is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.root, self.port = root, free_port()
        self.data = root / "pgdata"
        root.mkdir(parents=True, exist_ok=True)
        self.user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.user:
            entry = pwd.getpwnam("postgres")
            os.chown(root, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.user, str(PG_BIN / args[0]), *args[1:]], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.STDOUT, cwd=self.root)

    def init(self) -> PrivatePostgres:
        """initdb (trust auth, UTF-8) and start."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C",
                  "--no-sync")
        return self.start()

    def start(self) -> PrivatePostgres:
        """Starts the server and waits until it accepts connections (crash recovery included)."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "postgres.log"), "-w",
                  "-t", "60", "start")
        return self

    def crash(self) -> None:
        """Immediate shutdown: every backend dies at once and the next start replays the WAL, like kill -9."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        """Fast shutdown (if running)."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


class Deployment:
    """Private PostgreSQL (optional: else the given database URL) and Redis, the fake WeChat server, and the
    managed processes of the app: web (gunicorn), worker, actions, rasa."""

    def __init__(self, *, database_url: str | None = None, bot: bool = True, web_workers: int = 2,
                 web_threads: int = 4, extra_env: dict | None = None, bot_stores: str = "memory",
                 keep_logs: bool = False):
        self.root = Path(tempfile.mkdtemp(prefix="zj-faults-"))
        os.chmod(self.root, 0o755)
        self.logs = self.root / "logs"
        self.logs.mkdir()
        self.postgres = None if database_url else PrivatePostgres(self.root / "pg")
        self.database_url = database_url
        self.redis = RedisServer()
        self.bot, self.bot_stores = bot, bot_stores
        self.web_workers, self.web_threads = web_workers, web_threads
        self.extra_env = extra_env or {}
        self.keep_logs = keep_logs
        self.processes: dict[str, Managed] = {}
        self.fault_notes: dict = {}  # what a fault needs to remember until its recovery check
        self.wechat = None
        self.web_port, self.rasa_port, self.actions_port = free_port(), free_port(), free_port()
        self.rasa_token = "rasa-faults-" + uuid.uuid4().hex

    # --- set-up ---------------------------------------------------------------------------------------
    def __enter__(self) -> Deployment:
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        from integrations.wechat.fake_server import FakeWeChatServer

        if self.postgres is not None:
            self.postgres.init()
            self.database_url = self._create_database(self.postgres.url, "zhijian")
        self.redis.start()
        self.wechat = FakeWeChatServer()
        # A worker killed in the middle of a call resets its connection: expected here, not worth a traceback.
        self.wechat.httpd.handle_error = lambda request, address: None
        self.wechat.start()
        self.env = self._app_env()
        self._prepare_database()
        for name, managed in self.describe().items():
            self.processes[name] = managed
        # The bot first: Rasa takes longest, and the web's chat is degraded until it is up.
        order = [name for name in ("actions", "rasa") if name in self.processes] + ["web", "worker"]
        for name in order:
            self.processes[name].start(wait=False)
        for name in order:
            self.processes[name].wait_ready()

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _app_env(self) -> dict:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "REDIS_"))}
        env.update({
            "APP_ENV": "development", "SECRET_KEY": "faults-" + uuid.uuid4().hex, "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.database_url, "REDIS_URL": self.redis.url, "REDIS_PREFIX": "faults:",
            "BOT_SERVICE_TOKEN": "faults-bot-" + uuid.uuid4().hex, "WECHAT_API_BASE": self.wechat.url,
            "UPLOAD_DIR": str(self.root / "uploads"), "PETITION_ROUTING": "worker",
            "RASA_URL": self.rasa_url if self.bot else "", "RASA_TOKEN": self.rasa_token, "RASA_TIMEOUT": "10",
            # The worker's sweeps run often so that a fault's backlog is seen to drain within a short run.
            "WORKER_SWEEP_SECONDS": "2", "PETITION_SWEEP_SECONDS": "5", "WECHAT_TIMEOUT": "1",
        })
        env.update(self.extra_env)
        return env

    @staticmethod
    def _create_database(server_url: str, name: str) -> str:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from backend.settings import _normalise_db_url

        url = make_url(_normalise_db_url(server_url))
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return url.set(database=name).render_as_string(hide_password=False)

    def _prepare_database(self) -> None:
        for args in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run([sys.executable, "-m", "flask", *args], env={**self.env, "FLASK_APP": "wsgi"}, cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def describe(self) -> dict[str, Managed]:
        """How each process of the app is started and when it counts as ready (the one place to adapt)."""
        python = sys.executable
        processes = {
            "web": Managed("web", [
                python, "-m", "gunicorn", "--workers", str(self.web_workers), "--threads", str(self.web_threads),
                "--worker-class", "gthread", "--bind", f"127.0.0.1:{self.web_port}", "--log-level", "warning",
                "wsgi:app"], env=self.env, cwd=ROOT, ready=self.web_ready, log_dir=self.logs),
            "worker": Managed("worker", [python, "-m", "backend.worker"], env=self.env, cwd=ROOT,
                              ready=lambda: True, log_dir=self.logs),
        }
        if self.bot:
            bot_python = str(BOT.parent / ".venv-bot" / "bin" / "python")
            bot_env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "REDIS_"))}
            bot_env.update({"BACKEND_URL": self.web_url, "BOT_SERVICE_TOKEN": self.env["BOT_SERVICE_TOKEN"],
                            "RASA_TOKEN": self.rasa_token, "RASA_TELEMETRY_ENABLED": "false",
                            "TF_CPP_MIN_LOG_LEVEL": "2",
                            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.actions_port}/webhook"})
            if self.bot_stores == "production":
                # As `make run` on PostgreSQL: trackers in the same server, locks in the same Redis.
                from sqlalchemy.engine import make_url

                server = make_url(self.database_url)
                bot_env.update({
                    "RASA_TRACKER_DB_URL": f"postgresql://postgres@{server.host}:{server.port}/rasa_tracker",
                    "RASA_TRACKER_LOGIN_DB": server.database, "RASA_LOCK_REDIS_URL": self.redis.url})
            processes["actions"] = Managed(
                "actions", [bot_python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)],
                env=bot_env, cwd=BOT, ready=_http_ok(f"http://127.0.0.1:{self.actions_port}/health",
                                                     lambda r: r.ok), log_dir=self.logs, start_timeout=300)
            processes["rasa"] = Managed(
                "rasa", [bot_python, "scripts/serve.py", "--model", "models/zhijian.tar.gz", "--port",
                         str(self.rasa_port)], env=bot_env, cwd=BOT,
                ready=_http_ok(f"{self.rasa_url}/status?token={self.rasa_token}",
                               lambda r: r.ok and bool(r.json().get("model_file"))),
                log_dir=self.logs, start_timeout=420)
        return processes

    def residents(self, count: int) -> list[str]:
        """Creates `count` residents with an openid each; returns their bearer tokens."""
        from backend.app import create_app
        from backend.core.security import issue_token
        from backend.extensions import db
        from backend.residents.models import Resident
        from backend.settings import Settings

        app = create_app(Settings.from_env(self.env))
        with app.app_context():
            residents = [Resident(openid="o-faults-" + uuid.uuid4().hex[:20], nickname=f"居民{i}")
                         for i in range(count)]
            db.session.add_all(residents)
            db.session.commit()
            tokens = [issue_token("resident", resident.id)[0] for resident in residents]
            db.session.remove()
            db.engine.dispose()
        return tokens

    def query(self, sql: str, **params) -> list[tuple]:
        """Rows of one read-only query on the app's database (a connection of its own)."""
        from sqlalchemy import create_engine, text

        from backend.settings import _normalise_db_url

        engine = create_engine(_normalise_db_url(self.database_url))
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(sql), params)]
        finally:
            engine.dispose()

    def web_ready(self) -> bool:
        """gunicorn answers and has all its workers."""
        web = self.processes["web"]
        return (web.alive() and len(children(web.pid)) >= self.web_workers
                and _http_ok(self.web_url + "/healthz")())

    def web_workers_pids(self) -> list[int]:
        """The gunicorn worker processes now."""
        return children(self.processes["web"].pid)

    # --- tear-down ------------------------------------------------------------------------------------
    def __exit__(self, *exc) -> None:
        for managed in reversed(list(self.processes.values())):
            managed.stop()
        if self.wechat is not None:
            self.wechat.stop()
        self.redis.stop()
        if self.postgres is not None:
            try:
                self.postgres.stop()
            except subprocess.CalledProcessError:
                pass
        if self.keep_logs:
            shutil.rmtree(self.root / "pg" / "pgdata", ignore_errors=True)
            shutil.rmtree(self.root / "uploads", ignore_errors=True)
        else:
            shutil.rmtree(self.root, ignore_errors=True)
