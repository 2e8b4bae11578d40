"""Redis down: filing still works and the resident's notification arrives once Redis is back; routing on the worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from backend.app import create_app
from backend.extensions import db, redis_store
from backend.petitions.models import Petition
from backend.settings import Settings
from tests.petitions.conftest import VALID, bearer, make_resident

ROOT = Path(__file__).resolve().parents[2]


def _burst(env: dict) -> str:
    process = subprocess.run([sys.executable, "-m", "backend.worker", "--burst"], cwd=ROOT, env={**os.environ, **env},
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stdout + process.stderr
    return process.stdout + process.stderr


def test_redis_down_filing_succeeds_and_the_notification_follows(private_redis_app, private_redis, worker_env,
                                                                  fake_wechat):
    app = private_redis_app
    resident = make_resident(app)
    client = app.test_client()
    private_redis.stop()
    response = client.post("/api/mp/petitions", json=VALID, headers={**bearer(app, resident), "Idempotency-Key": "k1"},
                           buffered=True)
    assert response.status_code == 201
    petition_id = response.get_json()["id"]
    with app.app_context():
        assert redis_store.ping() == "down"
        assert db.session.get(Petition, petition_id).department.code == "urban_management"
    assert fake_wechat.messages() == []

    private_redis.start()
    for _ in range(2):  # a second run must not send it again
        _burst(worker_env)
    messages = fake_wechat.messages()
    assert len(messages) == 1
    assert messages[0]["touser"] == resident.openid
    assert messages[0]["page"] == f"pages/petitions/detail?id={petition_id}"


def test_worker_routing_mode_routes_on_the_worker(base_app, private_redis_app, worker_env, fake_wechat):
    env = {**worker_env, "PETITION_ROUTING": "worker"}
    app = create_app(Settings.from_env(env), TESTING=True)
    try:
        resident = make_resident(app)
        response = app.test_client().post("/api/mp/petitions", json=VALID, headers=bearer(app, resident),
                                          buffered=True)
        assert response.status_code == 201
        with app.app_context():
            petition = db.session.scalar(select(Petition).where(Petition.id == response.get_json()["id"]))
            assert petition.status == "submitted" and petition.routed_at is None
        _burst(env)
        with app.app_context():
            db.session.expire_all()
            petition = db.session.get(Petition, response.get_json()["id"])
            assert petition.status == "dispatched" and petition.department.code == "urban_management"
        assert len(fake_wechat.messages()) == 1
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
