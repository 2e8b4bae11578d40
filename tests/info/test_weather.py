"""Weather: the job reads the fake QWeather API (the real protocol) into the cache; requests only read the cache."""

from datetime import timedelta

import pytest

from backend.core.models import utcnow
from backend.extensions import db, redis_store
from backend.info import snapshots
from backend.info.snapshots import ProviderSnapshot
from backend.info.weather import service as weather
from integrations.weather import WeatherUnavailable
from integrations.weather.qweather import QWeatherClient


def test_the_client_speaks_qweather(fake_weather):
    client = QWeatherClient(fake_weather.url, fake_weather.key, timeout=2)
    now = client.now("118.852,31.952")
    assert isinstance(now.temp, float) and now.text
    days = client.forecast("118.852,31.952")
    assert len(days) == 3 and days[0].temp_min <= days[0].temp_max
    warning = client.warnings("118.852,31.952")[0]
    assert (warning.type_name, warning.level) == ("大风", "蓝色")
    with pytest.raises(WeatherUnavailable, match="code 401"):
        QWeatherClient(fake_weather.url, "wrong-key").now("118.852,31.952")


@pytest.mark.parametrize("mode, message", [("http500", "HTTP 500"), ("garbage", "not JSON"), ("error", "code 402"),
                                           ("hang", "ReadTimeout")])
def test_every_failure_becomes_weather_unavailable(fake_weather, mode, message):
    fake_weather.set_mode(mode, seconds=3)
    with pytest.raises(WeatherUnavailable, match=message):
        QWeatherClient(fake_weather.url, fake_weather.key, timeout=0.5).now("118.852,31.952")


def test_refresh_fills_every_street_and_the_street_endpoint_reads_it(app, client, fake_weather):
    with app.app_context():
        outcome = weather.refresh()
    assert set(outcome.values()) == {"ok"} and len(outcome) == 11
    body = client.get("/api/mp/weather?street=tangshan").get_json()
    assert body["place"] == {"code": "tangshan", "name": "汤山街道"}
    assert body["stale"] is False and body["now"]["text"] and len(body["daily"]) == 3
    assert body["warnings"][0]["level"] == "蓝色"
    district = client.get("/api/mp/weather").get_json()
    assert district["place"]["name"] == "江宁区"
    assert client.get("/api/mp/weather?street=nowhere").status_code == 422
    assert client.get("/api/mp/weather?street=东山").status_code == 422


def test_before_any_refresh_the_answer_is_a_chinese_503(client):
    response = client.get("/api/mp/weather?street=dongshan")
    assert response.status_code == 503 and "天气" in response.get_json()["message"]


def test_a_failed_refresh_keeps_the_last_good_weather_marked_stale(app, client, fake_weather):
    with app.app_context():
        weather.refresh()
    good = client.get("/api/mp/weather?street=dongshan").get_json()
    fake_weather.set_mode("http500")
    requests_before = fake_weather.request_count
    with app.app_context():
        outcome = weather.refresh()
    # The first failure ends the round: one request, not one per street.
    assert fake_weather.request_count - requests_before == 1
    assert set(outcome.values()) == {"failed"}
    stale = client.get("/api/mp/weather?street=dongshan").get_json()
    assert stale["stale"] is True and stale["updated_at"] == good["updated_at"] and stale["now"] == good["now"]
    fake_weather.set_mode("ok")
    with app.app_context():
        weather.refresh()
    assert client.get("/api/mp/weather?street=dongshan").get_json()["stale"] is False


def test_weather_not_refreshed_for_three_intervals_is_stale(app, client, fake_weather):
    with app.app_context():
        weather.refresh()
        row = db.session.get(ProviderSnapshot, "weather:dongshan")
        old = utcnow() - timedelta(seconds=weather.max_age() + 60)
        snapshots.store_success("weather:dongshan", row.payload, now=old)
    body = client.get("/api/mp/weather?street=dongshan").get_json()
    assert body["stale"] is True
    assert body["updated_at"].startswith(old.isoformat()[:19])


def test_without_redis_the_database_copy_is_served(app, client, fake_weather):
    with app.app_context():
        weather.refresh()
        client_ = redis_store.client()
        if client_ is not None:  # drop the Redis copy: the database's must answer and be put back
            client_.delete(redis_store.key("snapshot", "weather:qilin"))
    body = client.get("/api/mp/weather?street=qilin").get_json()
    assert body["place"]["code"] == "qilin" and body["stale"] is False
    with app.app_context():
        if redis_store.configured:
            assert redis_store.client().get(redis_store.key("snapshot", "weather:qilin")) is not None
