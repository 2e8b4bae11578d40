"""TRUSTED_PROXIES: X-Forwarded-For decides the address the sign-in limits count only behind trusted proxies."""

import uuid

import pytest

from backend.app import create_app
from backend.extensions import db
from backend.settings import Settings, SettingsError


@pytest.fixture
def proxied_app(base_app, test_env):
    """An app on the test database with LOGIN_MAX_FAILURES=1 (4 failures per address) and TRUSTED_PROXIES."""
    apps = []

    def make(trusted: int):
        env = {**test_env, "TRUSTED_PROXIES": str(trusted), "LOGIN_MAX_FAILURES": "1",
               "REDIS_PREFIX": f"test:{uuid.uuid4().hex[:8]}:"}
        app = create_app(Settings.from_env(env), TESTING=True)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def _fail(client, forwarded_for: str):
    """A failed sign-in with a fresh username (so only the per-address limit can bite)."""
    return client.post("/api/v1/auth/token", json={"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "x"},
                       headers={"X-Forwarded-For": forwarded_for})


def _address():
    return f"203.0.113.{uuid.uuid4().int % 250 + 1}"


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(proxied_app):
    client = proxied_app(0).test_client()
    statuses = [_fail(client, _address()).status_code for _ in range(5)]
    # Every attempt came from the same TCP peer, whatever the header claimed: the fifth is refused.
    assert statuses == [401, 401, 401, 401, 429]


def test_behind_one_trusted_proxy_the_forwarded_client_address_is_counted(proxied_app):
    client = proxied_app(1).test_client()
    first, second = _address(), f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    assert [_fail(client, first).status_code for _ in range(5)] == [401, 401, 401, 401, 429]
    # Another client behind the same proxy is its own address, not the proxy's.
    assert _fail(client, second).status_code == 401
    # Only the last hop is the proxy's: a client prepending a forged address is still counted as itself.
    assert _fail(client, f"192.0.2.1, {first}").status_code == 429


def test_the_setting_is_a_non_negative_count():
    base = {"APP_ENV": "test", "SECRET_KEY": "x" * 40}
    assert Settings.from_env(base).trusted_proxies == 0
    assert Settings.from_env({**base, "TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    for bad in ("-1", "one"):
        with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
            Settings.from_env({**base, "TRUSTED_PROXIES": bad})
