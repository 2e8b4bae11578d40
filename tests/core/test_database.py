"""The write policy (backend/core/database.py): writers wait for each other, readers wait for nobody — on the
suite's database, with real connections and commits."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid

from sqlalchemy import select, text, update

from backend.core import database
from backend.core.security import issue_token
from backend.extensions import db
from backend.residents.models import Resident


def _resident(app) -> int:
    with app.app_context():
        resident = Resident(openid=f"openid-{uuid.uuid4().hex}", nickname="居民")
        db.session.add(resident)
        db.session.commit()
        resident_id = resident.id
        db.session.remove()
    return resident_id


def test_a_write_after_reading_data_another_connection_changed_since_succeeds(committed_app):
    # SQLite used to answer "database is locked" here at once: a deferred transaction that has read cannot
    # start writing once another connection has committed.
    resident_id = _resident(committed_app)
    with committed_app.app_context():
        resident = db.session.get(Resident, resident_id)
        with db.engine.begin() as other:
            other.execute(update(Resident).where(Resident.id == resident_id).values(phone_last4="1234"))
        resident.nickname = "改过的名字"
        db.session.commit()
        db.session.remove()
        assert db.session.execute(select(Resident.nickname, Resident.phone_last4)
                                  .where(Resident.id == resident_id)).one() == ("改过的名字", "1234")
        db.session.remove()


def test_concurrent_writers_wait_for_each_other(committed_app):
    ids = [_resident(committed_app) for _ in range(8)]
    barrier, errors = threading.Barrier(len(ids)), []

    def rename(resident_id: int) -> None:
        with committed_app.app_context():
            try:
                resident = db.session.get(Resident, resident_id)
                barrier.wait()
                resident.nickname = f"居民{resident_id}"
                db.session.flush()
                time.sleep(0.05)  # the write lock is held meanwhile: the others queue behind it
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 — collected for the assertion
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=rename, args=(resident_id,)) for resident_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with committed_app.app_context():
        names = dict(db.session.execute(select(Resident.id, Resident.nickname).where(Resident.id.in_(ids))).all())
        db.session.remove()
    assert names == {resident_id: f"居民{resident_id}" for resident_id in ids}


def _hold_write_lock(app, seconds: float) -> threading.Thread:
    """Another connection writes and keeps its transaction open for `seconds` (on PostgreSQL a table lock that
    lets readers through and stops writers, as SQLite's write lock does)."""
    started = threading.Event()

    def hold() -> None:
        with app.app_context(), db.engine.connect() as connection:
            if db.engine.dialect.name == "postgresql":
                connection.execute(text("LOCK TABLE residents IN EXCLUSIVE MODE"))
            else:
                connection.execute(text("UPDATE residents SET nickname = nickname WHERE id = 0"))
            started.set()
            time.sleep(seconds)
            connection.commit()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(10)
    return thread


def test_readers_do_not_wait_for_a_writer_and_writers_wait_their_turn(committed_app):
    resident_id = _resident(committed_app)
    with committed_app.app_context():
        headers = {"Authorization": f"Bearer {issue_token('resident', resident_id)[0]}"}
    client = committed_app.test_client()
    holder = _hold_write_lock(committed_app, 1.5)
    try:
        started = time.monotonic()
        for _ in range(5):
            assert client.get("/api/mp/me", headers=headers).status_code == 200
            assert client.get("/api/mp/services?q=身份证").status_code == 200
        read_seconds = time.monotonic() - started
        response = client.patch("/api/mp/me", json={"nickname": "等了一会儿"}, headers=headers)
        write_seconds = time.monotonic() - started
    finally:
        holder.join(30)
    assert read_seconds < 1.0
    assert response.status_code == 200 and write_seconds >= 1.4


def test_beginning_a_write_is_retried_when_the_lock_stays_taken_past_the_busy_timeout(tmp_path):
    path = str(tmp_path / "lock.sqlite3")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0.2)  # busy_timeout: 200 ms
    release = threading.Timer(0.3, holder.execute, ("COMMIT",))
    release.start()
    try:
        database.begin_immediate(waiter.cursor())  # the first attempt gives up after 200 ms, the second waits
        assert waiter.in_transaction
    finally:
        release.join()
    waiter.execute("ROLLBACK")
    holder.execute("BEGIN IMMEDIATE")
    stuck = sqlite3.connect(path, isolation_level=None, timeout=0.05)
    try:
        database.begin_immediate(stuck.cursor())
    except sqlite3.OperationalError as exc:
        assert database.is_lock_error(exc)
    else:
        raise AssertionError("a lock held for good must end in the lock error")
    finally:
        holder.execute("ROLLBACK")
        for connection in (holder, waiter, stuck):
            connection.close()
