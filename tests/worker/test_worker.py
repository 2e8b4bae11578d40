"""The worker process: RQ jobs after commits, the embedded loop, and a Redis outage losing nothing."""

import threading
import time
from pathlib import Path

from rq import Queue
from sqlalchemy import select

from backend.extensions import db, redis_store
from backend.outbox.models import OutboxMessage
from backend.outbox.service import enqueue, queue_name
from backend.residents.models import Resident
from backend.worker import runner
from tests.worker.processes import running_worker, start_worker, wait_until

ROOT = Path(__file__).resolve().parents[2]


def _resident(app, openid="o-worker") -> int:
    with app.app_context():
        resident = Resident(openid=openid)
        db.session.add(resident)
        db.session.commit()
        return resident.id


def _notify(app, resident_id, key):
    """What a flow does: change something and enqueue its notification in the same commit."""
    with app.app_context():
        enqueue(kind="wechat_subscribe", dedupe_key=key, payload={
            "resident_id": resident_id, "template": "petition_update",
            "data": {"thing1": "诉求已受理"}, "page": "pages/petitions/detail?id=1"})
        db.session.commit()


def _statuses(app):
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.attempts)).all()
        db.session.remove()
        return rows


def test_a_commit_queues_one_rq_job_that_delivers(private_redis_app, fake_wechat):
    app = private_redis_app
    resident_id = _resident(app)
    _notify(app, resident_id, "rq:1")
    _notify(app, resident_id, "rq:2")
    with app.app_context():
        queue = Queue(queue_name(), connection=redis_store.client())
        assert queue.count == 1  # the second commit found a drain job already waiting
    assert fake_wechat.messages() == []
    runner.rq_loop(app, threading.Event(), burst=True)
    assert len(fake_wechat.messages()) == 2
    assert _statuses(app) == [("sent", 1), ("sent", 1)]
    with app.app_context():
        assert queue.count == 0


def test_embedded_worker_delivers_without_redis_and_stops_on_sigterm(test_env, fake_wechat, committed_app):
    resident_id = _resident(committed_app)
    _notify(committed_app, resident_id, "embedded:1")
    env = {**test_env, "REDIS_URL": "", "WECHAT_API_BASE": fake_wechat.url, "WORKER_SWEEP_SECONDS": "1"}
    with running_worker(env) as process:
        wait_until(process, fake_wechat.messages, "the worker did not deliver", 30)
    assert "embedded mode" in process.stdout.read()
    assert len(fake_wechat.messages()) == 1
    assert _statuses(committed_app) == [("sent", 1)]


def test_redis_down_loses_nothing_and_the_worker_delivers_exactly_once(
        private_redis_app, private_redis, worker_env, fake_wechat):
    app = private_redis_app
    client = app.test_client()
    login = client.post("/api/mp/auth/login", json={"code": "erin"})
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    resident_id = client.get("/api/mp/me", headers=headers).get_json()["id"]

    private_redis.stop()
    # Sign-in (rate limit, token cache) and a committing flow keep working while Redis is down.
    assert client.post("/api/mp/auth/login", json={"code": "erin#2"}).status_code == 200
    assert client.patch("/api/mp/me", json={"nickname": "小李"}, headers=headers).status_code == 200
    _notify(app, resident_id, "outage:1")
    assert _statuses(app) == [("pending", 0)]
    with app.app_context():
        assert redis_store.ping() == "down"

    private_redis.start()
    for _ in range(2):  # a second run must not send it again
        process = start_worker(worker_env, "--burst")
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
    messages = fake_wechat.messages()
    assert len(messages) == 1
    assert messages[0]["data"] == {"thing1": {"value": "诉求已受理"}}
    assert _statuses(app) == [("sent", 1)]


def test_worker_process_delivers_through_rq_and_stops_on_sigterm(private_redis_app, worker_env, fake_wechat):
    from rq import Worker

    app = private_redis_app
    resident_id = _resident(app)
    # An hour between sweeps: only the RQ job queued by the commit can deliver in time.
    with running_worker({**worker_env, "WORKER_SWEEP_SECONDS": "3600"}) as process:
        with app.app_context():
            connection = redis_store.client()
            wait_until(process, lambda: Worker.all(connection=connection), "the RQ worker did not register", 30,
                       every=0.1)
        time.sleep(0.5)  # let the start-up sweep finish before the commit
        _notify(app, resident_id, "live:1")
        wait_until(process, fake_wechat.messages, "the RQ job did not deliver", 20, every=0.1)
    assert len(fake_wechat.messages()) == 1
    assert _statuses(app) == [("sent", 1)]
