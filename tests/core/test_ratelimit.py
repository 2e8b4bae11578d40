"""Rate limits: counted in Redis while it is up, in the database every process shares while it is not."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.app import create_app
from backend.core import ratelimit
from backend.extensions import db, redis_store
from backend.settings import Settings


def _count_rows(app) -> int:
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(ratelimit.RateLimitCounter))
        db.session.remove()
    return rows


def test_with_redis_down_two_processes_share_one_count_in_the_database(private_redis_app, private_redis,
                                                                        worker_env):
    other = create_app(Settings.from_env(worker_env), TESTING=True)  # a second process: its own engine
    private_redis.stop()
    try:
        counts = []
        for app in (private_redis_app, other) * 3:
            with app.app_context():
                counts.append(ratelimit.hit("login", "user:zhang", 300))
                db.session.remove()
        assert counts == [1, 2, 3, 4, 5, 6]
        with other.app_context():
            window = ratelimit.peek("login", "user:zhang")
            assert window.count == 6 and 295 <= window.seconds_left <= 300
            ratelimit.extend("login", "user:zhang", 60)
            assert 55 <= ratelimit.peek("login", "user:zhang").seconds_left <= 60
            ratelimit.reset("login", "user:zhang")
            assert ratelimit.peek("login", "user:zhang") == ratelimit.Window()
            db.session.remove()
    finally:
        with other.app_context():
            db.engine.dispose()


def test_an_ended_window_starts_again_at_one_and_is_cleared_from_the_table(private_redis_app, private_redis):
    private_redis.stop()
    with private_redis_app.app_context():
        assert ratelimit.hit("mp_login", "ip:10.0.0.1", 300) == 1
        assert ratelimit.hit("mp_login", "ip:10.0.0.1", 300) == 2
        ratelimit.extend("mp_login", "ip:10.0.0.1", -1)  # the window ended a second ago
        assert ratelimit.peek("mp_login", "ip:10.0.0.1") == ratelimit.Window()
        assert ratelimit.hit("mp_login", "ip:10.0.0.2", 300) == 1  # counting anything drops ended windows
        db.session.remove()
    assert _count_rows(private_redis_app) == 1
    with private_redis_app.app_context():
        assert ratelimit.hit("mp_login", "ip:10.0.0.1", 300) == 1
        db.session.remove()


def test_while_redis_is_up_the_database_is_not_written(private_redis_app, private_redis):
    with private_redis_app.app_context():
        assert [ratelimit.hit("login", "ip:10.0.0.9", 300) for _ in range(3)] == [1, 2, 3]
        assert ratelimit.peek("login", "ip:10.0.0.9").count == 3
        assert int(redis_store.client().get(redis_store.key("rl", "login", "ip:10.0.0.9"))) == 3
        db.session.remove()
    assert _count_rows(private_redis_app) == 0
