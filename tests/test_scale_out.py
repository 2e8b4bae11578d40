"""Scale out on one machine as on many: two process groups — each the Procfile's web and web-internal pools, a
worker, a Rasa server and its action server — on the same PostgreSQL and Redis. Nothing happens twice, and a
conversation continues on whichever Rasa instance takes its next turn."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack

import pytest
import redis as redis_lib
import requests
from sqlalchemy import func, select

from backend.app import create_app
from backend.core.security import issue_token
from backend.devenv import rasa_stores
from backend.extensions import db
from backend.outbox.models import OutboxMessage
from backend.petitions.models import Petition, PetitionTransition
from backend.residents.models import Resident
from backend.settings import Settings
from tests.bot_stack import BotStack, drop_tracker_database, free_port, procfile_web
from tests.conftest import Auth
from tests.worker.processes import start_worker

pytestmark = [
    pytest.mark.rasa,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"),
                       reason="several Rasa instances share a SQL tracker store and a Redis lock store: "
                              "needs DATABASE_URL (PostgreSQL) and REDIS_URL"),
]

# The complaint form, one turn on each instance in turn: each reply asks for what only that conversation lacks.
FORM = [
    ("我要投诉", "遇到了什么问题"),
    ("小区门口天天有人占道摆摊，车都开不进来", "哪个街道"),
    ("秣陵", "具体在什么位置"),
    ("胜太路菜场门口", "联系您"),
    ("可以", "确认提交吗"),
    ("对，提交", "已提交"),
]
FILINGS = 16
PETITION = {"type": "投诉", "street": "dongshan", "community": "dongshan_zhushan", "address": "竹山路 100 号",
            "contact_consent": True}


def _residents(app, count: int) -> list[tuple[int, dict]]:
    with app.app_context():
        residents = [Resident(openid="o" + uuid.uuid4().hex) for _ in range(count)]
        db.session.add_all(residents)
        db.session.commit()
        return [(r.id, {"Authorization": f"Bearer {issue_token('resident', r.id)[0]}"}) for r in residents]


def _together(calls) -> list:
    """Runs the calls at the same moment, each on its own thread; returns their results in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _wait_for(app, what: str, done, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    with app.app_context():
        while not done():
            db.session.rollback()
            assert time.monotonic() < deadline, what
            time.sleep(0.5)


def test_two_process_groups_do_nothing_twice_and_share_conversations(committed_app, test_env, fake_wechat, tmp_path):
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    stores = rasa_stores(test_env)
    token = "rasa-test-" + uuid.uuid4().hex
    internal = {"a": free_port(), "b": free_port()}
    with ExitStack() as stack:
        stack.callback(drop_tracker_database, test_env["DATABASE_URL"])
        bots = {name: BotStack(f"http://127.0.0.1:{internal[name]}", test_env["BOT_SERVICE_TOKEN"], tmp_path,
                               stores=stores, token=token, name=name) for name in internal}
        for bot in bots.values():  # both load their model at the same time
            stack.push(bot)
            bot.start()
        for bot in bots.values():
            bot.wait()
        env = {**test_env, "REDIS_PREFIX": prefix, "WECHAT_API_BASE": fake_wechat.url, "RASA_TOKEN": token,
               "PETITION_ROUTING": "worker", "ROUTING_CLASSIFIER": "rasa", "WORKER_SWEEP_SECONDS": "1"}
        both = f"{bots['a'].url},{bots['b'].url}"
        # Each group's web talks to its own Rasa, so that turns provably alternate between the instances.
        web = {name: stack.enter_context(procfile_web({**env, "RASA_URLS": bots[name].url}, free_port(),
                                                      internal[name], tmp_path))[0] for name in internal}
        stack.callback(_forget_redis_keys, test_env["REDIS_URL"], prefix)  # once the workers have stopped
        for _ in internal:
            worker = start_worker({**env, "RASA_URLS": both})
            stack.callback(worker.wait, 20)
            stack.callback(worker.terminate)

        # A conversation that alternates between the instances continues as one.
        (resident_id, headers), *filers = _residents(committed_app, 1 + FILINGS)
        for turn, (text, expected) in enumerate(FORM):
            group = "ab"[turn % 2]
            body = requests.post(f"{web[group]}/api/mp/chat", json={"text": text}, headers=headers, timeout=60).json()
            said = " ".join(reply["text"] for reply in body["replies"])
            assert "degraded" not in body and expected in said, (group, text, said)

        # Residents file at once through both groups; both workers route and notify.
        results = _together([
            lambda i=i, h=h: requests.post(f"{web['ab'[i % 2]]}/api/mp/petitions", headers=h, timeout=60, json={
                **PETITION, "content": f"第{i}家烧烤摊油烟很大，每天晚上熏得不能开窗"})
            for i, (_, h) in enumerate(filers)])
        assert [r.status_code for r in results] == [201] * FILINGS
        with committed_app.app_context():
            bot_petition = db.session.scalars(select(Petition).where(Petition.resident_id == resident_id)).one()
            assert bot_petition.content == FORM[1][0] and bot_petition.address in FORM[3][0]

        def routed_and_sent():
            unrouted = db.session.scalar(select(func.count()).select_from(Petition).where(Petition.routed_at.is_(None)))
            unsent = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                       .where(OutboxMessage.status != "sent"))
            return unrouted == 0 and unsent == 0

        _wait_for(committed_app, "the workers did not route and notify everything", routed_and_sent)

        # Each dispatched petition's clerk accepts it through both groups at once: one wins.
        with committed_app.app_context():
            dispatched = db.session.execute(select(Petition.id, Petition.department_id).where(
                Petition.status == "dispatched")).all()
            clerks = {department_id: Auth(committed_app).staff(_clerk(department_id))
                      for department_id in {row.department_id for row in dispatched}}
        assert len(dispatched) >= FILINGS // 2, "too few petitions were routed to test the accepts"
        accepts = _together([
            lambda p=p, g=g: requests.post(f"{web[g]}/api/v1/petitions/{p.id}/transitions", json={"action": "accept"},
                                           headers=clerks[p.department_id], timeout=60).status_code
            for p in dispatched for g in "ab"])
        assert Counter(accepts) == {200: len(dispatched), 409: len(dispatched)}
        _wait_for(committed_app, "the workers did not send the accept notices", routed_and_sent)

        with committed_app.app_context():
            transitions = db.session.execute(select(PetitionTransition.petition_id, PetitionTransition.action)
                                             .where(PetitionTransition.action.in_(("dispatch", "accept")))).all()
            numbers = dict(db.session.execute(select(Petition.id, Petition.number)).all())
            outbox = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                       .where(OutboxMessage.kind == "wechat_subscribe"))
        per_petition = Counter(transitions)
        assert max(per_petition.values()) == 1  # no petition routed or accepted twice
        assert sum(1 for _, action in per_petition if action == "accept") == len(dispatched)
        sent = Counter((m["data"]["character_string1"]["value"], m["data"]["phrase2"]["value"])
                       for m in fake_wechat.messages())
        assert max(sent.values()) == 1  # no notification twice
        assert sum(sent.values()) == len(transitions) == outbox
        assert {number for number, _ in sent} == {numbers[petition_id] for petition_id, _ in transitions}

        # One instance gone: a backend that lists both keeps answering; residents notice nothing.
        bots["a"].rasa.terminate()
        bots["a"].rasa.wait(30)
        spread = create_app(Settings.from_env({**env, "RASA_URLS": both}), TESTING=True)
        try:
            for text in ("你好", "身份证丢了咋补办", "谢谢"):
                body = spread.test_client().post("/api/mp/chat", json={"text": text}, headers=headers,
                                                 buffered=True).get_json()
                assert "degraded" not in body and body["replies"][0]["text"], text
        finally:
            with spread.app_context():
                db.session.remove()
                db.engine.dispose()


def _clerk(department_id: int) -> str:
    from backend.directory.models import Department

    return f"clerk_{db.session.get(Department, department_id).code}"


def _forget_redis_keys(url: str, prefix: str) -> None:
    client = redis_lib.Redis.from_url(url)
    keys = list(client.scan_iter(match=prefix + "*")) + list(client.scan_iter(match=f"rq:queue:{prefix}*"))
    if keys:
        client.delete(*keys)
