"""Fixtures: a fresh database per test run (PostgreSQL when DATABASE_URL is set, else SQLite),
migrated with Alembic and seeded once; each test runs in a transaction that is rolled back and
uses its own Redis key prefix."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pytest
import redis as redis_lib
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from backend.app import create_app
from backend.core.security import issue_token
from backend.extensions import db, redis_store
from backend.settings import Settings

# Tables the seed fills; tests that really commit truncate every other table afterwards.
REFERENCE_TABLES = {"alembic_version", "departments", "streets", "communities", "staff",
                    "service_items", "service_item_themes", "catalog_search_documents", "catalog_search_state",
                    "catalog_search_revisions",
                    "calendar_days", "routing_rules", "health_facilities", "transit_stops", "transit_routes",
                    "transit_services", "transit_trips", "transit_stop_times"}


def _test_database_url(tmp_path_factory, worker: str) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    url = make_url(Settings.from_env({"DATABASE_URL": base, "APP_ENV": "test"}).database_url)
    # Unique per run, so parallel runs on one server never share a database.
    name = f"zhijian_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_test_database(url: str) -> None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def worker_id_safe(request) -> str:
    """The xdist worker name (gw0, gw1…) or 'main'."""
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def test_env(tmp_path_factory, worker_id_safe) -> dict:
    """Environment variables describing the test deployment."""
    return {
        "APP_ENV": "test",
        "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
        "DATABASE_URL": _test_database_url(tmp_path_factory, worker_id_safe),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "REDIS_PREFIX": f"test:{uuid.uuid4().hex[:8]}:",
        "BOT_SERVICE_TOKEN": "test-bot-token-" + uuid.uuid4().hex,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "RASA_URL": os.environ.get("TEST_RASA_URL", ""),
        # Most tests file and then look at the routed petition at once; worker routing has tests of its own.
        "PETITION_ROUTING": "after_response",
    }


@pytest.fixture(scope="session")
def base_app(test_env):
    """The app bound to the migrated, seeded test database."""
    from flask_migrate import upgrade

    from backend import seed

    app = create_app(Settings.from_env(test_env), TESTING=True)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        seed.load_all()
    yield app
    with app.app_context():
        db.engine.dispose()
    _drop_test_database(test_env["DATABASE_URL"])


def _clear_redis(prefix: str) -> None:
    client = redis_store.client()
    if client is None:
        return
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        # RQ names its own keys; only the queue's name carries our prefix.
        keys += list(client.scan_iter(match=f"rq:queue:{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    except redis_lib.RedisError:
        pass


@pytest.fixture
def app(base_app):
    """The app inside one database transaction that is rolled back after the test."""
    with base_app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original_session = db.session
    # Commits inside the test become savepoint releases of this outer transaction.
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False),
        scopefunc=original_session.registry.scopefunc,
    )
    state = base_app.extensions["redis"]
    prefix = state.prefix
    state.prefix = f"{prefix}{uuid.uuid4().hex[:8]}:"
    try:
        yield base_app
    finally:
        with base_app.app_context():
            db.session.remove()
            _clear_redis(state.prefix)
        db.session = original_session
        outer.rollback()
        connection.close()
        state.prefix = prefix


@pytest.fixture
def committed_app(base_app):
    """The app with real commits (for concurrency, workers, live servers); cleans up afterwards."""
    state = base_app.extensions["redis"]
    prefix = state.prefix
    state.prefix = f"{prefix}{uuid.uuid4().hex[:8]}:"
    try:
        yield base_app
    finally:
        with base_app.app_context():
            db.session.remove()
            _truncate_non_reference(db.engine)
            _clear_redis(state.prefix)
        state.prefix = prefix


def _truncate_non_reference(engine) -> None:
    tables = [t for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
    if not tables:
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    """A test client of the transactional app."""
    return app.test_client()


class Auth:
    """Builds Authorization headers for demo staff, residents and the bot service."""

    def __init__(self, app):
        self.app = app

    def staff(self, username: str) -> dict:
        from backend.directory.service import get_staff_by_username

        with self.app.app_context():
            staff = get_staff_by_username(username=username)
            assert staff is not None, f"no demo account {username}"
            token, _ = issue_token("staff", staff.id, staff.token_version)
        return {"Authorization": f"Bearer {token}"}

    def service(self) -> dict:
        return {"Authorization": f"Bearer {self.app.config['SETTINGS'].bot_service_token}"}

    def resident(self, resident_id: int) -> dict:
        with self.app.app_context():
            token, _ = issue_token("resident", resident_id)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auth(app) -> Auth:
    """Header factory for the transactional app."""
    return Auth(app)


@pytest.fixture
def fake_wechat(base_app):
    """A fake WeChat server on a free loopback port that the app's WeChat gateway talks to.

    `.messages()` lists the subscription messages it accepted, `.custom_messages()` the official account's
    customer-service messages; see integrations/wechat/fake_server.py.
    """
    from integrations import wechat
    from integrations.wechat import official
    from integrations.wechat.fake_server import FakeWeChatServer

    with FakeWeChatServer() as server:
        gateway = wechat.WechatpyGateway(appid=server.appid, secret=server.secret, api_base=server.url, timeout=5)
        previous = wechat.use_gateway(base_app, gateway)
        settings = base_app.config["SETTINGS"]
        account = official.WechatpyOfficialAccount(appid=settings.wechat_oa_appid, secret=settings.wechat_oa_secret,
                                                   api_base=server.url, timeout=5)
        previous_account = official.use_official_account(base_app, account)
        try:
            yield server
        finally:
            wechat.use_gateway(base_app, previous)
            official.use_official_account(base_app, previous_account)


@pytest.fixture
def private_redis():
    """A redis-server of this test's own on a free port (stop()/start() it to simulate an outage)."""
    from tests.redis_server import RedisServer

    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def worker_env(test_env, private_redis, fake_wechat) -> dict:
    """Environment of a deployment on the test database, the private Redis and the fake WeChat."""
    return {**test_env, "REDIS_URL": private_redis.url, "REDIS_PREFIX": f"test:{uuid.uuid4().hex[:8]}:",
            "WECHAT_API_BASE": fake_wechat.url}


@pytest.fixture
def private_redis_app(base_app, worker_env):
    """A second app on the test database whose Redis is `private_redis`; real commits, cleaned up after."""
    app = create_app(Settings.from_env(worker_env), TESTING=True)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with base_app.app_context():
            _truncate_non_reference(db.engine)


@pytest.fixture(scope="session")
def bot_stack(base_app, tmp_path_factory):
    """The real bot (Rasa + action server) talking to a live backend; started once per run."""
    from tests.bot_stack import BotStack, LiveServer

    with LiveServer(base_app) as live:
        with BotStack(live.url, base_app.config["SETTINGS"].bot_service_token,
                      tmp_path_factory.mktemp("bot-logs")) as stack:
            stack.live_url = live.url
            yield stack


@pytest.fixture
def app_with_bot(committed_app, bot_stack):
    """The committed app configured to use the running Rasa server for this test."""
    from tests.bot_stack import settings_with_bot

    with bot_settings(committed_app, settings_with_bot(committed_app.config["SETTINGS"], bot_stack)):
        yield committed_app


@contextlib.contextmanager
def bot_settings(app, settings):
    """Runs with other settings (another Rasa, say), the Rasa client rebuilt for them; restores both after."""
    previous = app.config["SETTINGS"]
    app.config["SETTINGS"] = settings
    app.extensions.pop("rasa_client", None)
    try:
        yield app
    finally:
        app.config["SETTINGS"] = previous
        app.extensions.pop("rasa_client", None)
