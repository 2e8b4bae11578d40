"""The periodic job registry the worker runs."""

import pytest

from backend.worker import periodic


@pytest.fixture
def jobs():
    names = []

    def register(name, func, every, **kwargs):
        names.append(name)
        return periodic.register_periodic(name, func, every, **kwargs)

    yield register
    for name in names:
        periodic.unregister_periodic(name)


def test_jobs_run_when_due_and_a_failing_job_does_not_stop_the_others(app, jobs):
    calls = []
    jobs("test.counter", lambda: calls.append(1), 3600, exclusive=False)
    jobs("test.broken", lambda: 1 / 0, 3600, exclusive=False)
    with app.app_context():
        assert set(periodic.run_due()) >= {"test.counter"}
        assert "test.counter" not in periodic.run_due()  # an hour has not passed
        assert "test.counter" in periodic.run_due(force=True)
    assert calls == [1, 1]


def test_jobs_can_be_named_by_import_path(app, jobs):
    jobs("test.by_path", "backend.core.models:utcnow", 60, exclusive=False)
    with app.app_context():
        assert "test.by_path" in periodic.run_due(force=True)


def test_interval_must_be_positive():
    with pytest.raises(ValueError):
        periodic.register_periodic("test.never", lambda: None, 0)


def test_an_exclusive_job_runs_on_one_worker_per_interval(private_redis_app, jobs):
    calls = []
    job = jobs("test.exclusive", lambda: calls.append(1), 3600)
    with private_redis_app.app_context():
        assert "test.exclusive" in periodic.run_due()
        job.last_run = float("-inf")  # another worker process, with its own memory, comes along
        assert "test.exclusive" not in periodic.run_due()
    assert calls == [1]
