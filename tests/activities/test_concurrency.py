"""200 residents sign up at once for 50 places through the Procfile's deployment (gunicorn 2 workers × 4 threads
and a worker process) on the suite's database: exactly 50 confirmed, 150 waitlisted in order, and a cancellation
promotes the first waitlisted, who is notified exactly once."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta

import requests
from sqlalchemy import insert, select

from backend.activities.models import WAITLISTED, Activity, ActivitySignup
from backend.core.models import utcnow
from backend.core.security import issue_token
from backend.directory.service import get_staff_by_username, get_street_by_code
from backend.extensions import db
from backend.residents.models import Resident
from tests.conftest import _clear_redis, _truncate_non_reference
from tests.resilience.stack import start

RESIDENTS, PLACES = 200, 50


def _setup(app) -> tuple[int, list[tuple[int, str, str]]]:
    """Commits the activity and the residents; returns (activity id, [(resident id, openid, token)])."""
    with app.app_context():
        start_at = utcnow() + timedelta(days=3)
        activity = Activity(
            title="并发报名测试活动", place="东山街道文明实践站", street_id=get_street_by_code(code="dongshan").id,
            organiser_id=get_staff_by_username(username="organiser").id, starts_at=start_at,
            ends_at=start_at + timedelta(hours=2), signup_deadline=start_at, cancel_deadline=start_at,
            capacity=PLACES, status="published", confirmed_count=0, waitlisted_count=0, waitlist_seq=0)
        db.session.add(activity)
        openids = [f"signup-{i}-{uuid.uuid4().hex[:8]}" for i in range(RESIDENTS)]
        db.session.execute(insert(Resident), [{"openid": openid, "nickname": f"志愿者{i}"}
                                              for i, openid in enumerate(openids)])
        db.session.commit()
        ids = dict(db.session.execute(select(Resident.openid, Resident.id).where(Resident.openid.in_(openids))).all())
        people = [(ids[openid], openid, issue_token("resident", ids[openid])[0]) for openid in openids]
        activity_id = activity.id
        db.session.remove()
    return activity_id, people


def test_200_concurrent_signups_for_50_places(base_app, test_env, tmp_path):
    activity_id, people = _setup(base_app)
    answers: dict[int, dict] = {}
    failures: list[tuple[int, object]] = []
    barrier = threading.Barrier(RESIDENTS)
    try:
        with ExitStack() as exits:
            stack = start(exits, test_env, tmp_path)

            def sign_up(resident_id: int, token: str) -> None:
                session = requests.Session()
                barrier.wait()
                try:
                    response = session.post(f"{stack.url}/api/mp/activities/{activity_id}/signup",
                                            json={"consent": True}, headers={"Authorization": f"Bearer {token}"},
                                            timeout=120)
                except requests.RequestException as exc:
                    failures.append((resident_id, repr(exc)))
                    return
                if response.status_code != 200:
                    failures.append((resident_id, response.status_code))
                else:
                    answers[resident_id] = response.json()

            threads = [threading.Thread(target=sign_up, args=(rid, token)) for rid, _, token in people]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            assert failures == []
            statuses = Counter(answer["status"] for answer in answers.values())
            assert statuses == {"confirmed": PLACES, "waitlisted": RESIDENTS - PLACES}, statuses
            positions = sorted(a["position"] for a in answers.values() if a["status"] == "waitlisted")
            assert positions == list(range(1, RESIDENTS - PLACES + 1))
            assert all("position" not in a for a in answers.values() if a["status"] == "confirmed")
            print(f"\n{RESIDENTS} concurrent sign-ups in {elapsed:.2f} s: {dict(statuses)}")

            with base_app.app_context():
                activity = db.session.get(Activity, activity_id)
                assert (activity.confirmed_count, activity.waitlisted_count) == (PLACES, RESIDENTS - PLACES)
                rows = db.session.scalars(select(ActivitySignup).where(ActivitySignup.activity_id == activity_id)).all()
                assert Counter(r.status for r in rows) == statuses
                # The answer each resident got is the ticket the database holds: the waitlist is in that order.
                for row in rows:
                    if row.status == WAITLISTED:
                        assert answers[row.resident_id]["position"] == row.waitlist_ticket
                db.session.remove()

            # A confirmed resident cancels: the first waitlisted takes the place and is told once.
            first_waiting = next(rid for rid, a in answers.items() if a.get("position") == 1)
            leaving = next(rid for rid, a in answers.items() if a["status"] == "confirmed")
            tokens = {rid: token for rid, _, token in people}
            openids = {rid: openid for rid, openid, _ in people}
            response = requests.post(f"{stack.url}/api/mp/activities/{activity_id}/cancel",
                                     headers={"Authorization": f"Bearer {tokens[leaving]}"}, timeout=30)
            assert response.json() == {"status": "cancelled"}
            response = requests.post(f"{stack.url}/api/mp/activities/{activity_id}/signup", json={"consent": True},
                                     headers={"Authorization": f"Bearer {tokens[first_waiting]}"}, timeout=30)
            assert response.json() == {"status": "confirmed"}

            def told() -> list[dict]:
                return [m for m in stack.wechat.messages() if m["touser"] == openids[first_waiting]]

            deadline = time.monotonic() + 30
            while not told() and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2)  # the worker's next sweeps must not send it again
            assert len(told()) == 1
            assert len(stack.wechat.messages()) == 1
            assert told()[0]["data"]["phrase4"] == {"value": "候补转正"}
    finally:
        with base_app.app_context():
            db.session.remove()
            _truncate_non_reference(db.engine)
            _clear_redis(test_env["REDIS_PREFIX"])
