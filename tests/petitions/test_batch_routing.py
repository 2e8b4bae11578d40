"""The worker routes filed petitions in batches: one dispatch, audit row and message each, nothing twice."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select, text

from backend.core.models import utcnow
from backend.directory.service import get_staff_by_username, get_street_by_code
from backend.extensions import db
from backend.outbox.models import OutboxMessage
from backend.petitions import deadlines, flows, jobs, service
from backend.petitions.models import Petition, PetitionTransition
from backend.routing import service as routing
from tests.petitions.conftest import VALID, make_resident

NOISE = "楼下广场舞太吵了，晚上十点还在放音乐"
FUMES = "小区门口烧烤摊油烟很大，每天晚上熏得不能开窗"
VAGUE = "你好，请问一下这个事情应该找谁呢"


def _filed(app, *texts: str) -> list[int]:
    """Commits submitted, unrouted petitions (as a filing leaves them); returns their ids."""
    resident = make_resident(app)
    now = utcnow()
    accept_by, reply_by, close_by = deadlines.compute(type="投诉", urgency="normal", start=now)
    street_id = get_street_by_code(code=VALID["street"]).id
    petitions = [Petition(
        number=f"JNTEST-{uuid.uuid4().hex[:12]}", resident_id=resident.id, type="投诉", content=content,
        street_id=street_id, status="submitted", body_hash="-", created_at=now, accept_by=accept_by,
        reply_by=reply_by, close_by=close_by,
    ) for content in texts]
    db.session.add_all(petitions)
    db.session.commit()
    ids = [petition.id for petition in petitions]
    db.session.remove()
    return ids


def _state(petition_id: int) -> tuple[str, str | None, int, int]:
    """(status, department code, dispatch audit rows, queued messages) of a petition, read afresh."""
    db.session.expire_all()
    petition = db.session.get(Petition, petition_id)
    audits = db.session.scalar(select(func.count()).select_from(PetitionTransition).where(
        PetitionTransition.petition_id == petition_id, PetitionTransition.action == "dispatch"))
    messages = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.dedupe_key.like(f"petition:{petition_id}:transition:%")))
    return petition.status, petition.department.code if petition.department else None, audits, messages


def test_a_batch_dispatches_each_petition_once_with_its_audit_row_and_message(committed_app):
    with committed_app.app_context():
        noise, fumes, vague = _filed(committed_app, NOISE, FUMES, VAGUE)
        assert flows.route_pending() == 3
        assert _state(noise) == ("dispatched", "public_security", 1, 1)
        assert _state(fumes) == ("dispatched", "urban_management", 1, 1)
        assert _state(vague)[::2] == ("submitted", 0)
        manual = db.session.get(Petition, vague)
        assert manual.routed_at is not None and manual.department is None
        audit = db.session.scalar(select(PetitionTransition).where(PetitionTransition.petition_id == noise,
                                                                   PetitionTransition.action == "dispatch"))
        assert (audit.actor_kind, audit.from_status, audit.to_status) == ("system", "submitted", "dispatched")
        assert audit.reason.startswith("自动派单（living_noise")
        db.session.remove()
        # Nothing is left to route, and a second run writes nothing more.
        assert flows.route_pending() == 0
        assert _state(noise) == ("dispatched", "public_security", 1, 1)


def test_a_batch_follows_the_streets_override(committed_app):
    with committed_app.app_context():
        routing.set_department(rule=routing.get_rule(category="living_noise"), department_code="urban_management",
                               street_code=VALID["street"], staff_id=get_staff_by_username(username="supervisor").id)
        db.session.remove()
        (noise,) = _filed(committed_app, NOISE)
        flows.route_pending()
        assert _state(noise) == ("dispatched", "urban_management", 1, 1)


def test_a_petition_someone_is_acting_on_is_not_dispatched_over_them(committed_app, caplog):
    with committed_app.app_context():
        busy, free = _filed(committed_app, NOISE, FUMES)
        if db.engine.dialect.name == "postgresql":
            # Someone's transition holds the row lock: the batch skips that row and routes it on its next run.
            with db.engine.connect() as other:
                other.execute(text("SELECT id FROM petitions WHERE id = :id FOR UPDATE"), {"id": busy})
                flows.route_pending()
                assert _state(free)[0] == "dispatched"
                assert _state(busy) == ("submitted", None, 0, 0)
                db.session.remove()
                other.rollback()
            flows.route_pending()
            assert _state(busy) == ("dispatched", "public_security", 1, 1)
            return
        # SQLite has no row locks: the resident's withdrawal holds the database's write lock while the batch
        # runs. The batch waits for it, then reads afresh and leaves the withdrawn petition alone.
        other = db.engine.raw_connection()  # the driver's own: SQLAlchemy would begin a deferred transaction
        cursor = other.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        cursor.execute("UPDATE petitions SET status = 'withdrawn' WHERE id = ?", (busy,))
        release = threading.Timer(0.5, cursor.execute, ("COMMIT",))
        release.start()
        try:
            assert flows.route_pending() == 1
        finally:
            release.join()
            other.close()
        assert "failed" not in caplog.text
        assert _state(busy) == ("withdrawn", None, 0, 0)
        assert _state(free) == ("dispatched", "urban_management", 1, 1)


def test_a_petition_withdrawn_while_the_batch_was_classified_stays_withdrawn(committed_app, monkeypatch):
    with committed_app.app_context():
        withdrawn, other = _filed(committed_app, NOISE, FUMES)
        classify = routing.suggest

        def withdraw_meanwhile(**kwargs):
            if kwargs["text"] == NOISE:
                with db.engine.begin() as connection:
                    connection.execute(text("UPDATE petitions SET status = 'withdrawn' WHERE id = :id"),
                                       {"id": withdrawn})
            return classify(**kwargs)

        monkeypatch.setattr(routing, "suggest", withdraw_meanwhile)
        assert flows.route_pending() == 1
        assert _state(withdrawn) == ("withdrawn", None, 0, 0)
        assert _state(other) == ("dispatched", "urban_management", 1, 1)


def test_one_failing_petition_does_not_hold_back_the_rest_of_the_batch(committed_app, monkeypatch, caplog):
    with committed_app.app_context():
        broken, fine = _filed(committed_app, NOISE, FUMES)
        apply = service.apply_transition

        def fail_for_one(*, petition, **kwargs):
            if petition.id == broken:
                raise RuntimeError("simulated failure")
            return apply(petition=petition, **kwargs)

        monkeypatch.setattr(service, "apply_transition", fail_for_one)
        assert flows.route_pending() == 1  # only the fine one was routed
        assert _state(fine) == ("dispatched", "urban_management", 1, 1)
        assert _state(broken) == ("submitted", None, 0, 0)
        assert "routing them one by one" in caplog.text and f"routing petition {broken} failed" in caplog.text
        monkeypatch.setattr(service, "apply_transition", apply)
        db.session.remove()
        assert flows.route_pending() == 1
        assert _state(broken) == ("dispatched", "public_security", 1, 1)


def test_the_worker_job_routes_a_burst_batch_after_batch(committed_app, monkeypatch):
    monkeypatch.setattr(flows, "ROUTE_BATCH", 2)
    with committed_app.app_context():
        ids = _filed(committed_app, NOISE, FUMES, NOISE, FUMES, VAGUE)
        jobs.route_job()
        assert [_state(pid)[0] for pid in ids] == ["dispatched"] * 4 + ["submitted"]
        assert db.session.get(Petition, ids[-1]).routed_at is not None
