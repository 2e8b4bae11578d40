"""No Open311 input gets a 500: every refusal is the spec's error list, and nothing is filed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.petitions.models import Petition
from tests.open311.conftest import REQUEST, validate

BAD_FORMS = {
    "no service_code": {k: v for k, v in REQUEST.items() if k != "service_code"},
    "unknown service_code": {**REQUEST, "service_code": "no_such_service"},
    "huge service_code": {**REQUEST, "service_code": "x" * 5000},
    "no description": {k: v for k, v in REQUEST.items() if k != "description"},
    "short description": {**REQUEST, "description": "坏"},
    "huge description": {**REQUEST, "description": "路灯坏了" * 5000},
    "nul in description": {**REQUEST, "description": "路灯坏了\x00很久了没人修"},
    "no location": {"service_code": "restaurant_fumes", "description": "烧烤店油烟直排，晚上熏得不能开窗"},
    "lat not a number": {**REQUEST, "lat": "north"},
    "lat out of range": {**REQUEST, "lat": "91"},
    "lat nan": {**REQUEST, "lat": "nan"},
    "long infinite": {**REQUEST, "long": "inf"},
    "lat without long": {k: v for k, v in REQUEST.items() if k not in ("long", "address_string")},
    "outside the county": {**REQUEST, "lat": "39.9088", "long": "116.3974", "address_string": ""},
    "address elsewhere": {"service_code": "restaurant_fumes", "description": "烧烤店油烟直排，晚上熏得不能开窗",
                          "address_string": "北京市东城区王府井大街1号"},
    "unknown street": {**REQUEST, "attribute[street]": "atlantis"},
    "bad type": {**REQUEST, "attribute[type]": "闲聊"},
    "bad urgency": {**REQUEST, "attribute[urgency]": "yesterday"},
    "partner id too long": {**REQUEST, "partner_request_id": "x" * 65},
    "partner id not ascii": {**REQUEST, "partner_request_id": "工单１２３"},
}


@pytest.mark.parametrize("name", sorted(BAD_FORMS))
def test_a_bad_request_is_a_400_and_files_nothing(open311, app, name):
    body = open311.post(400, **BAD_FORMS[name])
    assert body[0]["code"] == 400 and body[0]["description"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Petition)) == 0


@pytest.mark.parametrize("api_key", ["", "wrong", "o311_" + "x" * 43, "k" * 10_000])
def test_a_bad_api_key_is_a_403(open311, api_key):
    body = open311.post(403 if api_key else 400, **{**REQUEST, "api_key": api_key})
    assert body[0]["code"] in (400, 403)


def test_guessing_keys_is_stopped_for_the_minute(open311, client):
    for _ in range(20):
        open311.post(403, **{**REQUEST, "api_key": "guess"})
    # Even the right key is refused from this address for the rest of the minute.
    response = client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": open311.api_key})
    assert response.status_code == 429
    validate("errors", response.get_json())


def test_a_partner_over_its_rate_is_a_429(client, app):
    from backend.open311 import service

    with app.app_context():
        _, api_key = service.create_partner(name="网格化系统", requests_per_minute=2)
    codes = [client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": api_key}).status_code
             for _ in range(3)]
    assert codes == [201, 201, 429]


@pytest.mark.parametrize("path", [
    "/open311/v2/requests/JN00000000-0000.json", "/open311/v2/requests/" + "9" * 64 + ".json",
    "/open311/v2/tokens/nope.json", "/open311/v2/services/x.xml",
])
def test_unknown_ids_are_404_in_the_specs_shape(client, path):
    response = client.get(path)
    assert response.status_code == 404
    if path.endswith(".json"):
        validate("errors", response.get_json())
    else:
        assert b"<errors><error><code>404</code>" in response.data


@pytest.mark.parametrize("path", ["/open311/v2/tokens/%00.json", "/open311/v2/requests/JN%00.json",
                                  "/open311/v2/services/%00.json", "/open311/v2/services/a%E2%80%8Bb.json"])
def test_ids_with_control_or_invisible_characters_are_refused_at_the_edge(client, path):
    # core.edge's path converter matches no route for them: the app's JSON 404, before any Open311 view.
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("params", [
    {"start_date": "yesterday"}, {"end_date": "2026-13-45T00:00:00Z"}, {"status": "maybe"},
    {"start_date": "2026-02-01T00:00:00+08:00", "end_date": "2026-01-01T00:00:00+08:00"},
    {"service_request_id": ",".join(["JN1"] * 500)}, {"service_request_id": "JN\x00"}, {"service_code": "a\x00b"},
])
def test_bad_list_filters_are_a_400(client, params):
    response = client.get("/open311/v2/requests.json", query_string=params)
    assert response.status_code == 400, response.get_data(as_text=True)
    validate("errors", response.get_json())


def test_bad_bodies_and_methods_never_500(client, open311):
    posts = [
        client.post("/open311/v2/requests.json", data=b"\xff\xfe garbage", content_type="application/x-www-form-urlencoded"),
        client.post("/open311/v2/requests.json", json={"service_code": "restaurant_fumes"}),
        client.post("/open311/v2/requests.json", data="a=" + "x" * 2_000_000,
                    content_type="application/x-www-form-urlencoded"),
        client.post("/open311/v2/requests.xml", data={"api_key": open311.api_key}),
    ]
    assert all(400 <= r.status_code < 500 for r in posts), [r.status_code for r in posts]
    assert client.delete("/open311/v2/services.json").status_code == 405
    assert client.get("/open311/v2/services.csv").status_code == 404
