"""Concurrent residents and staff against the deployment of the Procfile (gunicorn 2 workers × 4 threads and a
worker process), on the database the suite runs on: no response ≥ 500, nothing lost, limits shared by the
workers."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
import requests
from sqlalchemy import func, select

from backend.conversations.models import ChatTurn
from backend.extensions import db
from backend.outbox.models import OutboxMessage
from backend.petitions.models import Petition, PetitionNote, PetitionTransition
from backend.residents.models import Resident
from integrations.wechat.fake_server import openid_for
from tests.conftest import _clear_redis, _truncate_non_reference
from tests.resilience.stack import start

PASSWORD = "jiangning2026"
FUMES = "小区门口烧烤摊油烟很大，每天晚上熏得不能开窗"  # the keyword classifier routes it (urban management)
STREETLIGHT = "路灯坏了好几天，晚上走路很危险"  # not confident: waits for the dispatcher
RESIDENTS, ROUNDS = 12, 4
PETITION = {"type": "投诉", "street": "dongshan", "community": "dongshan_zhushan", "address": "竹山路 100 号",
            "contact_consent": True}


@pytest.fixture(scope="module")
def stack(base_app, test_env, tmp_path_factory):
    """The running deployment for this module; the data it made is removed afterwards."""
    env = {**test_env, "MP_LOGIN_MAX_PER_IP": "1000"}  # every resident here signs in from 127.0.0.1
    with ExitStack() as exits:
        running = start(exits, env, tmp_path_factory.mktemp("stack"))
        yield running
    with base_app.app_context():
        db.session.remove()
        _truncate_non_reference(db.engine)
        _clear_redis(running.env["REDIS_PREFIX"])


@dataclass
class Calls:
    """Every request made, by kind: (status, seconds); status 0 is a connection error or a timeout."""

    records: list[tuple[str, int, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def make(self, session: requests.Session, kind: str, method: str, url: str, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=60, **kwargs)
        except requests.RequestException:
            response = None
        with self.lock:
            self.records.append((kind, response.status_code if response is not None else 0,
                                 time.perf_counter() - started))
        return response

    def statuses(self, kind: str) -> Counter:
        return Counter(status for k, status, _ in self.records if k == kind)

    def failures(self) -> list[tuple[str, int]]:
        return [(kind, status) for kind, status, _ in self.records if status == 0 or status >= 500]

    def report(self) -> str:
        kinds = sorted({kind for kind, _, _ in self.records})
        lines = []
        for kind in kinds:
            times = sorted(seconds for k, _, seconds in self.records if k == kind)
            lines.append(f"{kind:<16} n={len(times):<4} {dict(self.statuses(kind))} "
                         f"p50={times[len(times) // 2] * 1000:.0f} ms max={times[-1] * 1000:.0f} ms")
        return "\n".join(lines)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _resident_login(calls: Calls, session, url: str, code: str) -> str | None:
    response = calls.make(session, "resident_login", "POST", f"{url}/api/mp/auth/login", json={"code": code})
    return response.json()["access_token"] if response is not None and response.status_code == 200 else None


def _staff_login(calls: Calls, session, url: str, username: str) -> str | None:
    response = calls.make(session, "staff_login", "POST", f"{url}/api/v1/auth/token",
                          json={"username": username, "password": PASSWORD})
    return response.json()["access_token"] if response is not None and response.status_code == 200 else None


@dataclass
class Outcome:
    """What the load generator was told succeeded, to compare with the database afterwards."""

    filed: dict[int, str] = field(default_factory=dict)  # petition id → number
    withdrawn: set[int] = field(default_factory=set)
    notes: set[tuple[int, str]] = field(default_factory=set)
    transitions: list[tuple[int, str]] = field(default_factory=list)
    nicknames: dict[str, str] = field(default_factory=dict)  # openid → last nickname answered 200
    chats: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _resident(calls: Calls, outcome: Outcome, url: str, name: str) -> None:
    session = requests.Session()
    token = _resident_login(calls, session, url, f"{name}#1")
    if token is None:
        return  # the failed login is in `calls`
    headers = _bearer(token)
    mine = []
    for round_ in range(ROUNDS):
        nickname = f"{name}-{round_}"
        response = calls.make(session, "profile", "PATCH", f"{url}/api/mp/me", json={"nickname": nickname},
                              headers=headers)
        if response is not None and response.status_code == 200:
            with outcome.lock:
                outcome.nicknames[openid_for(name)] = nickname
        response = calls.make(session, "chat", "POST", f"{url}/api/mp/chat", json={"text": "身份证丢了怎么补办"},
                              headers=headers)
        if response is not None and response.status_code == 200:
            with outcome.lock:
                outcome.chats += 1
        content = FUMES if round_ % 2 == 0 else STREETLIGHT
        response = calls.make(session, "file", "POST", f"{url}/api/mp/petitions",
                              json={**PETITION, "content": f"{content}（{name} 第 {round_} 件）"},
                              headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        if response is not None and response.status_code == 201:
            body = response.json()
            mine.append(body["id"])
            with outcome.lock:
                outcome.filed[body["id"]] = body["number"]
    if mine:
        response = calls.make(session, "withdraw", "POST", f"{url}/api/mp/petitions/{mine[0]}/withdraw", json={},
                              headers=headers)
        if response is not None and response.status_code == 200:
            with outcome.lock:
                outcome.withdrawn.add(mine[0])
    _resident_login(calls, session, url, f"{name}#2")


def _staff(calls: Calls, outcome: Outcome, url: str, username: str, status: str, action: dict,
           stop: threading.Event) -> None:
    """Takes `action` on the petitions in `status` it can see and adds a note to each, until stopped."""
    session = requests.Session()
    token = _staff_login(calls, session, url, username)
    if token is None:
        return
    headers = _bearer(token)
    while True:
        last_round = stop.is_set()
        response = calls.make(session, "staff_list", "GET", f"{url}/api/v1/petitions",
                              params={"status": status, "limit": 50}, headers=headers)
        for item in response.json()["items"] if response is not None and response.status_code == 200 else []:
            petition_id = item["id"]
            body = f"{username} 已查看（{uuid.uuid4().hex[:6]}）"
            response = calls.make(session, "note", "POST", f"{url}/api/v1/petitions/{petition_id}/notes",
                                  json={"body": body}, headers=headers)
            if response is not None and response.status_code == 201:
                with outcome.lock:
                    outcome.notes.add((petition_id, body))
            response = calls.make(session, "transition", "POST", f"{url}/api/v1/petitions/{petition_id}/transitions",
                                  json=action, headers=headers)
            if response is not None and response.status_code == 200:
                with outcome.lock:
                    outcome.transitions.append((petition_id, action["action"]))
        if last_round:
            return
        time.sleep(0.1)


def _staff_logins(calls: Calls, url: str, stop: threading.Event) -> None:
    session = requests.Session()
    while not stop.is_set():
        for username in ("supervisor", "editor", "trainer"):
            _staff_login(calls, session, url, username)


def _eventually(check, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_mixed_load_answers_no_server_error_and_loses_nothing(stack, base_app, capsys):
    calls, outcome, stop = Calls(), Outcome(), threading.Event()
    residents = [threading.Thread(target=_resident, args=(calls, outcome, stack.url, f"mix{i}")) for i in range(RESIDENTS)]
    staff = [
        threading.Thread(target=_staff, args=(calls, outcome, stack.url, "dispatcher", "submitted",
                                              {"action": "dispatch", "department": "urban_management"}, stop)),
        threading.Thread(target=_staff, args=(calls, outcome, stack.url, "clerk_urban_management", "dispatched",
                                              {"action": "accept"}, stop)),
        threading.Thread(target=_staff_logins, args=(calls, stack.url, stop)),
    ]
    started = time.perf_counter()
    for thread in residents + staff:
        thread.start()
    for thread in residents:
        thread.join(90)
    stop.set()
    for thread in staff:
        thread.join(90)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nmixed load on {base_app.config['SETTINGS'].database_url.split(':')[0]}: "
              f"{len(calls.records)} requests in {elapsed:.1f} s\n{calls.report()}")

    assert calls.failures() == []
    assert set(calls.statuses("resident_login")) == {200} and set(calls.statuses("profile")) == {200}
    assert set(calls.statuses("chat")) == {200} and set(calls.statuses("file")) == {201}
    assert set(calls.statuses("staff_login")) == {200} and set(calls.statuses("note")) == {201}
    assert set(calls.statuses("withdraw")) <= {200, 409} and set(calls.statuses("transition")) <= {200, 409}
    assert calls.statuses("file")[201] == RESIDENTS * ROUNDS and outcome.transitions, "the staff found petitions to act on"

    with base_app.app_context():
        filed = dict(db.session.execute(select(Petition.id, Petition.number)).all())
        assert {pid: filed.get(pid) for pid in outcome.filed} == outcome.filed
        statuses = dict(db.session.execute(select(Petition.id, Petition.status)).all())
        assert {statuses[pid] for pid in outcome.withdrawn} <= {"withdrawn"}
        notes = set(db.session.execute(select(PetitionNote.petition_id, PetitionNote.body)).all())
        assert outcome.notes <= notes
        audited = Counter(db.session.execute(select(PetitionTransition.petition_id, PetitionTransition.action)
                                             .where(PetitionTransition.actor_kind == "staff")).all())
        assert audited == Counter(outcome.transitions)
        nicknames = dict(db.session.execute(select(Resident.openid, Resident.nickname)
                                            .where(Resident.openid.in_(list(outcome.nicknames)))).all())
        assert nicknames == outcome.nicknames
        # Stored once each response was sent; the worker routes every filing and sends every notice.
        _eventually(lambda: db.session.scalar(select(func.count()).select_from(ChatTurn)) == outcome.chats,
                    "every chat turn is stored")
        _eventually(lambda: not db.session.scalar(select(func.count()).select_from(Petition).where(
            Petition.routed_at.is_(None), Petition.status == "submitted")), "the worker routes every filing")
        _eventually(lambda: set(db.session.scalars(select(OutboxMessage.status))) == {"sent"},
                    "the worker delivers every notice")
        notices = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        db.session.remove()
    assert len(stack.wechat.messages()) == notices, "each notice sent once"


def test_sixty_sequential_logins_and_chats_all_succeed(stack):
    # One after the other, like a resident opening the mini-program and asking something: each chat turn is
    # stored after its response, while the next sign-in writes.
    calls, session = Calls(), requests.Session()
    for i in range(30):
        for visit in (1, 2):  # a new resident, then the same resident opening the mini-program again
            token = _resident_login(calls, session, stack.url, f"seq{i}#{visit}")
            if token:
                calls.make(session, "chat", "POST", f"{stack.url}/api/mp/chat", json={"text": "我要投诉噪音"},
                           headers=_bearer(token))
    assert calls.statuses("resident_login") == Counter({200: 60}), calls.report()
    assert calls.statuses("chat") == Counter({200: 60}), calls.report()


def test_twelve_parallel_profile_edits_all_succeed(stack, base_app):
    calls, session = Calls(), requests.Session()
    tokens = [_resident_login(calls, session, stack.url, f"edit{i}#1") for i in range(6)]
    barrier = threading.Barrier(12)
    sent: dict[str, set[str]] = {openid_for(f"edit{i}"): set() for i in range(6)}

    def edit(index: int) -> None:
        resident, nickname = index % 6, f"改名{index}"
        sent[openid_for(f"edit{resident}")].add(nickname)
        barrier.wait()
        calls.make(requests.Session(), "profile", "PATCH", f"{stack.url}/api/mp/me", json={"nickname": nickname},
                   headers=_bearer(tokens[resident]))

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert calls.statuses("profile") == Counter({200: 12}), calls.report()
    with base_app.app_context():
        stored = dict(db.session.execute(select(Resident.openid, Resident.nickname)
                                         .where(Resident.openid.in_(list(sent)))).all())
        db.session.remove()
    assert all(stored[openid] in names for openid, names in sent.items())


def test_failed_staff_logins_are_counted_across_workers_and_lock_the_account(stack):
    first, second = stack.sessions_per_worker(4)
    alternating = [session for pair in zip(first, second, strict=True) for session in pair]
    answers = []
    for session in alternating:
        response = session.post(f"{stack.url}/api/v1/auth/token", json={"username": "admin", "password": "wrong"},
                                timeout=30)
        answers.append((response.status_code, response.json()["message"]))
    assert [status for status, _ in answers] == [401] * 5 + [429] * 3
    assert {message for _, message in answers[5:]} == {"登录失败次数过多，账号已锁定 5 分钟，请稍后再试"}
    # The right password no longer helps, on either worker, until the lock ends.
    for session in (first[0], second[0]):
        response = session.post(f"{stack.url}/api/v1/auth/token", json={"username": "admin", "password": PASSWORD},
                                timeout=30)
        assert response.status_code == 429 and 240 < int(response.headers["Retry-After"]) <= 300
