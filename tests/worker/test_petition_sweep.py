"""The worker runs the petitions' SLA sweep on its own, every PETITION_SWEEP_SECONDS."""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from backend.directory.service import get_staff_by_username
from backend.extensions import db
from backend.notifications.models import StaffNotification
from backend.petitions import flows
from backend.petitions.models import Petition
from backend.settings import Settings
from backend.worker import periodic, runner
from tests.petitions.conftest import overdue_petition
from tests.worker.processes import running_worker, wait_until


@pytest.fixture
def loaded_jobs():
    yield
    for name in ("outbox.drain", "petitions.sweep_overdue"):
        periodic.unregister_periodic(name)


def test_the_worker_registers_the_sweep_at_the_configured_interval(loaded_jobs):
    settings = Settings.from_env({"APP_ENV": "test", "SECRET_KEY": "x" * 40, "PETITION_SWEEP_SECONDS": "7"})
    runner.load_jobs(SimpleNamespace(config={"SETTINGS": settings}))
    job = {j.name: j for j in periodic.registered()}["petitions.sweep_overdue"]
    assert (job.every_seconds, job.exclusive) == (7, True)
    assert job.resolve() is flows.sweep_overdue
    assert Settings.from_env({"APP_ENV": "test", "SECRET_KEY": "x" * 40}).petition_sweep_seconds == 60


def test_the_periodic_runner_invokes_the_sweep(app, loaded_jobs):
    runner.load_jobs(app)
    with app.app_context():
        pid = overdue_petition(app, "urban_management")
        assert "petitions.sweep_overdue" in periodic.run_due(force=True)
        assert db.session.get(Petition, pid).accept_overdue


def test_a_running_worker_sweeps_and_the_alert_reaches_the_inbox(test_env, committed_app):
    with committed_app.app_context():
        pid = overdue_petition(committed_app, "urban_management")
        supervisor = get_staff_by_username(username="supervisor").id
        db.session.remove()
    env = {**test_env, "REDIS_URL": "", "PETITION_SWEEP_SECONDS": "1", "WORKER_SWEEP_SECONDS": "1"}
    with running_worker(env) as process:
        def swept():
            with committed_app.app_context():
                found = db.session.scalars(select(StaffNotification.staff_id).where(
                    StaffNotification.petition_id == pid, StaffNotification.kind == "accept_overdue")).all()
                db.session.remove()
            return supervisor in found

        wait_until(process, swept, "the worker did not sweep", 60, every=0.3)
