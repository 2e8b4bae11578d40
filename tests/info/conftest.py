"""Info fixtures: the fake weather API and transit feed on loopback, residents with a home, a clean notice board."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete

from backend.directory.service import get_community_by_code, get_street_by_code
from backend.extensions import db
from backend.info.notices.models import Notice
from backend.residents.models import Resident
from integrations.transit.fake_feed import FakeTripUpdatesFeed
from integrations.transit.realtime import TripUpdatesClient
from integrations.weather.fake_server import FakeQWeatherServer
from integrations.weather.qweather import QWeatherClient

# Short enough that a hanging provider costs a test little, long enough for a loaded machine.
PROVIDER_TIMEOUT = 1.0


@pytest.fixture
def fake_weather(base_app):
    """The fake QWeather API, used by the app's weather job for this test."""
    with FakeQWeatherServer() as server:
        previous = base_app.extensions.get("weather")
        base_app.extensions["weather"] = QWeatherClient(server.url, server.key, timeout=PROVIDER_TIMEOUT)
        try:
            yield server
        finally:
            base_app.extensions["weather"] = previous


@pytest.fixture
def fake_feed(base_app):
    """The fake GTFS-Realtime feed, used by the app's transit job for this test."""
    with FakeTripUpdatesFeed() as server:
        previous = base_app.extensions.get("transit_feed")
        base_app.extensions["transit_feed"] = TripUpdatesClient(server.feed_url, timeout=PROVIDER_TIMEOUT)
        try:
            yield server
        finally:
            base_app.extensions["transit_feed"] = previous


def make_resident(app, street: str | None = None, community: str | None = None) -> int:
    """Commits a resident living in the street/community; returns the id."""
    with app.app_context():
        resident = Resident(openid=f"info-{uuid.uuid4().hex}", nickname="测试居民")
        resident.street = get_street_by_code(code=street) if street else None
        resident.community = get_community_by_code(code=community) if community else None
        db.session.add(resident)
        db.session.commit()
        return resident.id


@pytest.fixture
def no_notices(app):
    """Removes the demo notices inside the test's transaction (rolled back afterwards)."""
    with app.app_context():
        db.session.execute(delete(Notice))
        db.session.commit()


@pytest.fixture
def demo_notices(app):
    """The demo notices, loaded again inside the test's transaction (committed tests truncate them)."""
    from backend.info import seed

    with app.app_context():
        seed.load_notices()
