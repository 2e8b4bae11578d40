"""A database that cannot be reached: 503 JSON with Retry-After instead of a 500, a short wait for a server that
is restarting, and pooled connections that the server closed replaced before use."""

from __future__ import annotations

import os
import sqlite3
import time
from contextvars import ContextVar

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from backend.core import database
from backend.settings import Settings
from tests.bot_stack import free_port

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def _dead_postgres_url() -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(database, "_connect_wait", ContextVar("test_connect_wait", default=0.6))
    return 0.6


def test_a_server_that_is_down_is_waited_for_briefly_then_reported_unavailable(short_wait):
    engine = create_engine(_dead_postgres_url())
    database.tune_engine(engine)
    started = time.monotonic()
    with pytest.raises(OperationalError) as raised:
        engine.connect()
    assert time.monotonic() - started >= short_wait
    assert database.unavailable(raised.value)
    started = time.monotonic()
    with database.without_connect_wait(), pytest.raises(OperationalError):
        engine.connect()
    assert time.monotonic() - started < short_wait
    engine.dispose()


def test_bad_statements_and_sqlite_locks_are_not_outages():
    assert not database.unavailable(ProgrammingError("SELECT nope", {}, Exception("syntax error")))
    assert not database.unavailable(OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked")))
    assert not database.unavailable(ValueError("not a database error"))


def test_requests_get_503_json_with_retry_after_and_healthz_answers_at_once(short_wait):
    from backend.app import create_app

    env = {"APP_ENV": "test", "SECRET_KEY": "x" * 40, "DATABASE_URL": _dead_postgres_url(), "REDIS_URL": ""}
    client = create_app(Settings.from_env(env)).test_client()
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": "x" * 12})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == {"code": 503, "status": "Service Unavailable", "message": "系统正在恢复，请稍后重试"}
    started = time.monotonic()
    body = client.get("/healthz").get_json()
    assert body["components"]["db"] == "down" and body["status"] == "degraded"
    assert time.monotonic() - started < short_wait


@pytest.mark.skipif(not ON_POSTGRES, reason="a server-side disconnect needs a PostgreSQL server")
def test_a_pooled_connection_closed_by_the_server_is_replaced_before_use(base_app):
    url = base_app.config["SETTINGS"].database_url
    engine = create_engine(url, **database.engine_options(url))
    database.tune_engine(engine)
    with engine.connect() as conn:
        first = conn.scalar(text("SELECT pg_backend_pid()"))
    # Back in the pool and idle for far less than the idle ping's interval: only the socket poll can tell.
    with base_app.app_context():
        from backend.extensions import db

        with db.engine.connect() as admin:
            assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    time.sleep(0.2)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT pg_backend_pid()")) != first
    engine.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="a server-side disconnect needs a PostgreSQL server")
def test_a_request_whose_connection_died_under_it_ends_without_an_error(committed_app):
    from backend.extensions import db

    admin = create_engine(committed_app.config["SETTINGS"].database_url, isolation_level="AUTOCOMMIT")
    with committed_app.test_request_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))  # the session now holds an open transaction
        with admin.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        time.sleep(0.2)
    # Leaving the context ran the teardown: its rollback met the dead connection and did not raise (a teardown
    # error would reach the resident as gunicorn's bare HTML 500). The next request works on a new connection.
    with committed_app.test_request_context():
        assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid
    admin.dispose()
