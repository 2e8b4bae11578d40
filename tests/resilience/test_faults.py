"""Faults under load (a short bench/faults): kill -9 Redis, the worker and a gunicorn worker — and on PostgreSQL
crash and restart the server — while residents file petitions and chat; nothing is lost or sent twice, nobody
gets a 500, and the stack recovers by itself or once the process is back.

It runs its own deployment (tests/deployment.py): a private Redis, a private PostgreSQL cluster when the suite runs
on PostgreSQL (else a SQLite file), gunicorn and the worker. Rasa is left unreachable on purpose (a killed Rasa
looks the same to the backend): chat must answer 200 "degraded", and routing uses the keyword classifier so
that petitions are dispatched and their residents notified.
"""

from __future__ import annotations

import os

import pytest

from bench.faults import report, run
from tests.bot_stack import free_port
from tests.deployment import Deployment

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
FAULTS = ["redis", "worker", "web-worker"] + (["postgres"] if ON_POSTGRES else [])


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    database_url = None if ON_POSTGRES else f"sqlite:///{tmp_path_factory.mktemp('faults') / 'faults.sqlite3'}"
    extra = {"ROUTING_CLASSIFIER": "keyword", "RASA_URL": f"http://127.0.0.1:{free_port()}"}
    with Deployment(database_url=database_url, bot=False, extra_env=extra,
                    keep_logs=bool(os.environ.get("KEEP_FAULT_LOGS"))) as running:
        yield running


def test_faults_under_load_lose_nothing_send_nothing_twice_and_answer_no_500(deployment, capsys):
    result = run(deployment, FAULTS, residents=40, petition_rate=6, chat_rate=2, baseline=3, hold=3, settle=2,
                 recover_timeout=60, drain_timeout=100, pg_down=2)
    with capsys.disabled():
        report(result)
    phases = {phase.name: phase for phase in result["phases"]}
    assert list(phases) == ["baseline", *FAULTS]
    for name, phase in phases.items():
        figures = phase.figures
        assert figures["2xx"] > 0, name
        assert figures["lost"] == 0, name
        assert figures["twice"] == 0, name
        assert name == "baseline" or phase.recover_s is not None, f"{name} did not recover"
        # Only a crash of PostgreSQL under a request in flight may answer 503 (JSON, Chinese, Retry-After).
        unavailable = [r for r in phase.records if r.status >= 500]
        assert all(r.status == 503 and "系统正在恢复" in r.body and r.retry_after for r in unavailable), \
            figures["samples"]
        assert name == "postgres" or not unavailable, figures["samples"]
        # Only the killed gunicorn worker's requests in flight lose their connection.
        assert name == "web-worker" or figures["conn"] == 0, figures["samples"]
        chats = [r for r in phase.records if r.kind == "chat" and r.status != 0]
        assert all(r.status == 200 and r.degraded for r in chats if r.status != 503), name
    # A worker killed while handing a message to WeChat leaves that one message failed, never sent twice.
    assert result["left"]["interrupted"] <= 1
    assert {key: result["left"][key] for key in ("unrouted", "undelivered", "failed")} == \
        {"unrouted": 0, "undelivered": 0, "failed": 0}
    assert result["notifications"] > 0
    assert result["duplicates"] == 0
