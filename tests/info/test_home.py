"""GET /api/mp/home: alerts, weather, my street's notices and activities in one call."""

import pytest

from backend.info import home
from tests.info.conftest import make_resident


@pytest.fixture
def weather_loaded(app, fake_weather):
    from backend.info.weather import service as weather

    with app.app_context():
        weather.refresh()


def test_home_of_a_resident_with_a_street(app, client, auth, weather_loaded, demo_notices):
    resident = make_resident(app, "dongshan", "dongshan_zhushan")
    body = client.get("/api/mp/home", headers=auth.resident(resident)).get_json()
    assert body["street"] == {"code": "dongshan", "name": "东山街道"}
    assert body["community"] == {"code": "dongshan_zhushan", "name": "竹山社区"}
    assert body["weather"]["place"]["code"] == "dongshan" and body["weather"]["stale"] is False
    assert body["alerts"] == [] and body["activities"] == []
    scopes = [n["scope"] for n in body["notices"]["items"]]
    assert scopes and set(scopes) <= {"community", "street", "district"} and scopes == sorted(
        scopes, key=["community", "street", "district"].index)
    assert body["notices"]["unread"] >= len(body["notices"]["items"])


def test_home_without_a_street_shows_the_district(app, client, auth, weather_loaded, demo_notices):
    resident = make_resident(app)
    body = client.get("/api/mp/home", headers=auth.resident(resident)).get_json()
    assert body["street"] is None and body["weather"]["place"]["name"] == "江宁区"
    assert body["notices"]["items"] and all(n["scope"] == "district" for n in body["notices"]["items"])


def test_home_before_any_weather_has_none_and_needs_a_resident(app, client, auth):
    resident = make_resident(app, "qilin")
    body = client.get("/api/mp/home", headers=auth.resident(resident)).get_json()
    assert body["weather"] is None
    assert client.get("/api/mp/home").status_code == 401
    assert client.get("/api/mp/home", headers=auth.staff("editor")).status_code == 403


def test_other_domains_fill_alerts_and_activities_and_a_failing_one_is_left_empty(app, client, auth):
    seen = []

    def alerts(context):
        seen.append(context)
        return [{"id": 1, "level": "橙色", "title": "大风橙色预警"}]

    def activities(context):
        raise RuntimeError("activities are down")

    home.register_section("alerts", alerts)
    home.register_section("activities", activities)
    try:
        resident = make_resident(app, "lukou")
        body = client.get("/api/mp/home", headers=auth.resident(resident)).get_json()
    finally:
        home.unregister_section("alerts")
        home.unregister_section("activities")
    assert body["alerts"] == [{"id": 1, "level": "橙色", "title": "大风橙色预警"}]
    assert body["activities"] == []
    assert seen[0].resident_id == resident and seen[0].street_code == "lukou"


def test_every_info_endpoint_is_documented_with_its_security(client):
    spec = client.get("/openapi.json").get_json()
    for path, method in (("/api/mp/home", "get"), ("/api/mp/notices", "get"), ("/api/v1/info/notices", "post"),
                         ("/api/v1/info/facilities/{code}", "patch"), ("/api/v1/bot/info/{kind}", "get")):
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"bearerAuth": []}], path
        assert "200" in operation["responses"] or "201" in operation["responses"]
    for path in ("/api/mp/weather", "/api/mp/transit/arrivals", "/api/mp/transit/stops", "/api/mp/hospitals",
                 "/api/mp/transit/routes/{route_id}"):
        assert "get" in spec["paths"][path]


def test_home_shows_the_same_notices_and_weather_as_their_own_endpoints(app, client, auth, weather_loaded, demo_notices):
    resident = make_resident(app, "dongshan", "dongshan_zhushan")
    headers = auth.resident(resident)
    listed = client.get("/api/mp/notices?mine=true&limit=50", headers=headers).get_json()
    client.post(f"/api/mp/notices/{listed['items'][0]['id']}/read", headers=headers)
    listed = client.get("/api/mp/notices?mine=true&limit=5", headers=headers).get_json()
    body = client.get("/api/mp/home", headers=headers).get_json()
    assert body["notices"]["items"] == listed["items"]
    assert body["notices"]["unread"] == listed["unread"] == listed["total"] - 1
    assert body["weather"] == client.get("/api/mp/weather?street=dongshan").get_json()
