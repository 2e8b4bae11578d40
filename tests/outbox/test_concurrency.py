"""Several workers draining at once: every message is claimed and sent exactly once."""

import threading

from sqlalchemy import insert, select

from backend.core.models import utcnow
from backend.extensions import db
from backend.outbox.delivery import claim, deliver_due
from backend.outbox.models import OutboxMessage
from backend.residents.models import Resident


def _fill(app, count: int) -> list[int]:
    with app.app_context():
        resident = Resident(openid="o-concurrency")
        db.session.add(resident)
        db.session.flush()
        now = utcnow()
        rows = [{"kind": "wechat_subscribe", "dedupe_key": f"c:{i}", "status": "pending", "attempts": 0,
                 "next_attempt_at": now, "created_at": now, "updated_at": now,
                 "payload": {"resident_id": resident.id, "template": "petition_update",
                             "data": {"thing1": f"第{i}条"}, "page": f"pages/petitions/detail?id={i}"}}
                for i in range(count)]
        db.session.execute(insert(OutboxMessage), rows)
        db.session.commit()
        ids = list(db.session.scalars(select(OutboxMessage.id)))
        db.session.remove()
        return ids


def _run_in_threads(app, work, count=2):
    barrier = threading.Barrier(count)
    results, errors = [[] for _ in range(count)], []

    def target(index):
        with app.app_context():
            try:
                barrier.wait(10)
                work(results[index])
            except Exception as exc:  # noqa: BLE001 — reported to the test below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_concurrent_claims_never_overlap(committed_app):
    ids = _fill(committed_app, 300)

    def claim_all(claimed):
        while batch := claim(7):
            assert len(batch) <= 7
            claimed.extend(batch)

    first, second = _run_in_threads(committed_app, claim_all)
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(ids)


def test_two_drainers_send_each_message_exactly_once(committed_app, fake_wechat):
    _fill(committed_app, 60)

    def drain(sent):
        while (report := deliver_due(limit=5)).claimed:
            sent.extend(report.sent)

    first, second = _run_in_threads(committed_app, drain)
    assert first and second, "both drainers should have taken part"
    assert not set(first) & set(second)
    pages = sorted(m["page"] for m in fake_wechat.messages())
    assert pages == sorted(f"pages/petitions/detail?id={i}" for i in range(60))
    with committed_app.app_context():
        rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.attempts)).all()
        assert set(rows) == {("sent", 1)}
