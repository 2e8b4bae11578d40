"""How the app talks to its database: pool options and per-dialect connection set-up."""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import scoped_session


def tune_engine(engine) -> None:
    """Installs the connection hooks the engine's dialect needs (SQLite pragmas, idle pings)."""
    _tune_sqlite(engine)
    _ping_idle_connections(engine)


def engine_options(url: str) -> dict:
    """SQLAlchemy engine options for a database URL."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    # No pre-ping on every checkout (a round trip per request): _ping_idle_connections pings only
    # connections that sat unused long enough for the server or a firewall to have dropped them.
    return {"pool_size": 10, "max_overflow": 20}


IDLE_PING_SECONDS = 10.0


def _ping_idle_connections(engine) -> None:
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["zj_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("zj_idle_since", 0.0) < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool retries the checkout with a fresh connection (SQLAlchemy's pessimistic recipe).
            raise DisconnectionError() from exc


def _tune_sqlite(engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # WAL lets the worker read while the web process writes; SQLite leaves FKs off by default.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # pysqlite's own transaction handling skips BEGIN before SAVEPOINT, so releasing a savepoint
        # committed for real; SQLAlchemy emits BEGIN itself instead (its documented recipe).
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get(WRITE_LOCK_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_LOCK_OPTION = "zj_sqlite_write_lock"


def begin_for_write(session) -> None:
    """On SQLite, starts the session's transaction holding the write lock (if none is open yet); elsewhere
    nothing.

    A SQLite transaction that reads and then writes fails at once if another connection committed in
    between ("database is locked"); taken up front, the lock makes it wait for other writers instead.
    """
    session = session.registry() if isinstance(session, scoped_session) else session
    if not session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={WRITE_LOCK_OPTION: True})
