"""Residents chatting at once through the stack as `make run` starts it: the Procfile's web and web-internal
gunicorn pools, the action server calling the internal pool, the real Rasa (docs/chat.md)."""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import ExitStack

import pytest
import requests
from sqlalchemy import func, select

from backend.conversations.models import ChatTurn
from backend.core.security import issue_token
from backend.devenv import rasa_stores
from backend.extensions import db
from backend.residents.models import Resident
from tests.bot_stack import BotStack, drop_tracker_database, free_port, procfile_web

pytestmark = pytest.mark.rasa

RESIDENTS = 8
# Each turn needs a callback to the backend: the catalog, convenience information, the resident's petitions.
CONVERSATION = ["宝宝刚出生怎么上户口", "今天天气怎么样", "我的投诉处理得怎么样了"]


def _tokens(app, count: int) -> list[str]:
    with app.app_context():
        residents = [Resident(openid="concurrent-" + uuid.uuid4().hex) for _ in range(count)]
        db.session.add_all(residents)
        db.session.commit()
        return [issue_token("resident", resident.id)[0] for resident in residents]


def _chat_together(url: str, tokens: list[str]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(tokens))
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def resident(token: str) -> None:
        http = requests.Session()
        http.trust_env = False
        barrier.wait()
        for text in CONVERSATION:
            response = http.post(f"{url}/api/mp/chat", json={"text": text},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=60)
            with lock:
                results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=resident, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_eight_residents_at_once_get_real_answers_through_the_procfile_pools(committed_app, test_env, tmp_path):
    internal_port = free_port()
    stores = rasa_stores(test_env)
    with ExitStack() as stack:
        if stores:
            stack.callback(drop_tracker_database, test_env["DATABASE_URL"])
        bot = stack.enter_context(BotStack(f"http://127.0.0.1:{internal_port}", test_env["BOT_SERVICE_TOKEN"],
                                           tmp_path, stores=stores))
        env = {**test_env, "RASA_URLS": bot.url, "RASA_TOKEN": bot.token}
        web, _ = stack.enter_context(procfile_web(env, free_port(), internal_port, tmp_path))
        tokens = _tokens(committed_app, RESIDENTS)
        results = _chat_together(web, tokens)

    assert len(results) == RESIDENTS * len(CONVERSATION)
    assert [status for status, _ in results] == [200] * len(results)
    degraded = [body for _, body in results if body.get("degraded")]
    assert degraded == []
    assert all(body["replies"] and body["replies"][0]["text"] for _, body in results)
    # The callbacks went to the internal pool, none to the public one the residents use.
    public_log = (tmp_path / f"web-{web.rsplit(':', 1)[1]}.log").read_text()
    internal_log = (tmp_path / f"web-internal-{web.rsplit(':', 1)[1]}.log").read_text()
    assert "/api/mp/services" in internal_log and "/api/v1/bot/petitions" in internal_log
    assert "/api/mp/services" not in public_log and public_log.count("POST /api/mp/chat") == len(results)
    with committed_app.app_context():
        deadline = time.monotonic() + 10  # turns are stored once each response has been sent
        while db.session.scalar(select(func.count()).select_from(ChatTurn)) < len(results):
            assert time.monotonic() < deadline, "not every turn was stored"
            db.session.rollback()
            time.sleep(0.2)
        outcomes = db.session.scalars(select(ChatTurn.outcome)).all()
    assert sorted(set(outcomes)) == ["ok"]
