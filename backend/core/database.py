"""How the app talks to its database: pool options, per-dialect connection set-up and SQLite's write policy."""

from __future__ import annotations

import logging
import select
import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)


def tune_engine(engine) -> None:
    """Installs the connection hooks the engine's dialect needs (SQLite pragmas, idle pings)."""
    _tune_sqlite(engine)
    _ping_idle_connections(engine)
    _wait_for_server(engine)


def engine_options(url: str) -> dict:
    """SQLAlchemy engine options for a database URL."""
    if url.startswith("sqlite"):
        # The driver's timeout is SQLite's busy_timeout for the connection's first statements (the pragmas).
        return {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}}
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
        idle = time.monotonic() - record.info.get("zj_idle_since", 0.0)
        if idle < IDLE_PING_SECONDS and not _has_input(dbapi_connection):
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


def _has_input(dbapi_connection) -> bool:
    # An idle connection has nothing to read unless the server said goodbye (a restart or crash closes it):
    # one non-blocking poll of the socket, far cheaper than a round trip, finds the dead ones before use.
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return True  # closed already, or no socket to look at: let the ping decide


# How long a request (or the worker) waits for the database server to accept connections again — a restart
# or a failover takes a few seconds — before it gets "service unavailable".
CONNECT_WAIT_SECONDS = 10.0
CONNECT_RETRY_SECONDS = 0.25
_connect_wait: ContextVar[float] = ContextVar("zj_connect_wait", default=CONNECT_WAIT_SECONDS)


@contextmanager
def without_connect_wait():
    """Inside the block a connection attempt fails at once when the server is down (health checks)."""
    token = _connect_wait.set(0.0)
    try:
        yield
    finally:
        _connect_wait.reset(token)


def _wait_for_server(engine) -> None:
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, _record, cargs, cparams):
        deadline = time.monotonic() + _connect_wait.get()
        while True:
            try:
                return dialect.loaded_dbapi.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.OperationalError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(CONNECT_RETRY_SECONDS)


# SQLSTATEs of a server that is going away or not there yet: admin shutdown, crash shutdown, cannot connect now.
_SERVER_GONE = {"57P01", "57P02", "57P03"}


def unavailable(exc: BaseException) -> bool:
    """True when exc means the database server cannot be reached right now (down, restarting, pool exhausted),
    as opposed to a bad statement or a lock conflict."""
    if isinstance(exc, (DisconnectionError, PoolTimeout)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    # psycopg raises client-side connection failures with no SQLSTATE; sqlite3's errors have no attribute.
    sqlstate = getattr(exc.orig, "sqlstate", "")
    return sqlstate is None or (sqlstate or "").startswith("08") or sqlstate in _SERVER_GONE


def end_session(session) -> None:
    """Removes a scoped session (rolling back what is open); when the server dropped its connection meanwhile,
    the session is discarded instead of raising — nothing of it could be committed any more, and an error at
    the end of a request would reach the client as a bare 500 (or stop a worker's loop)."""
    try:
        session.remove()
    except Exception as exc:
        if not unavailable(exc):
            raise
        session.registry.clear()
        log.warning("database connection lost during the session (%s); discarded", exc.__class__.__name__)


def end_sessions_safely(app, db) -> None:
    """Ends db.session with end_session at the end of every app context (before Flask-SQLAlchemy's own
    teardown, which then finds nothing left to close)."""

    @app.teardown_appcontext
    def _end(_exc):
        end_session(db.session)


def _tune_sqlite(engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # WAL lets readers go on while one connection writes; SQLite leaves FKs off by default.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()
        # The driver's own transaction handling is off: the write policy below decides when to BEGIN.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_before_write(_connection, cursor, statement, _parameters, context, _executemany):
        if not cursor.connection.in_transaction and _writes(statement, context):
            begin_immediate(cursor)


# The write policy on SQLite, for every connection of the app (web, worker, CLI, migrations):
#
# - Reads outside a write run in autocommit mode: each statement sees the latest committed data (as
#   PostgreSQL's READ COMMITTED does) and holds no lock once it is done, so readers never queue.
# - A transaction begins at its first write — an INSERT/UPDATE/DELETE/DDL, a SAVEPOINT or a SELECT … FOR
#   UPDATE — with BEGIN IMMEDIATE: it takes the database's write lock before anything else, waiting up to
#   busy_timeout for the writer ahead of it, and keeps it until COMMIT or ROLLBACK.
#
# SQLite's "database is locked" came from deferred transactions that read and then wanted to write:
# such an upgrade fails at once, busy_timeout or not, when another connection wrote in between. With the
# write lock taken at the start of every write transaction, writers wait for each other instead. The
# price is that writers are serialised, which SQLite does anyway: write transactions must stay short
# (no network call between a write and its commit).
BUSY_TIMEOUT_MS = 10_000
BEGIN_ATTEMPTS = 3
_READS = ("SELECT", "PRAGMA", "EXPLAIN", "VALUES")


def _writes(statement: str, context) -> bool:
    """Whether a statement needs the write lock: anything but a plain read (a locking read does)."""
    element = getattr(getattr(context, "compiled", None), "statement", None)
    if getattr(element, "is_select", False):
        # SQLite's SQL has no FOR UPDATE: the statement object still says the caller means to write.
        return element._for_update_arg is not None
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    return not statement.lstrip().upper().startswith(_READS)


def begin_immediate(cursor) -> None:
    """Begins a write transaction on a SQLite connection (BEGIN IMMEDIATE), the one retry for a lock error.

    busy_timeout already makes BEGIN IMMEDIATE wait for the writer ahead; it gives up only when that
    writer held the lock longer than the timeout. Nothing has happened in the transaction yet, so
    beginning again is always safe.
    """
    for attempt in range(BEGIN_ATTEMPTS):
        try:
            cursor.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_lock_error(exc) or attempt == BEGIN_ATTEMPTS - 1:
                raise
            log.warning("SQLite write lock still taken after %s ms, waiting again", BUSY_TIMEOUT_MS)
            time.sleep(0.05 * (attempt + 1))


def is_lock_error(exc: BaseException) -> bool:
    """Whether an exception (the driver's, or SQLAlchemy's wrapping it) is SQLite's "database is locked"."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and (
        "database is locked" in str(orig) or "database is busy" in str(orig))
