"""Health facilities: editable by editors (audited), "where to see X" by specialty and street."""

import pytest

from backend.audit import service as audit

NEW = {"code": "test_clinic", "name": "测试街道卫生服务站", "kind": "health_centre", "street_code": "guli",
       "address": "江宁区谷里街道测试路1号", "phone": "025-52000000", "departments": ["全科", "口腔科"],
       "outpatient_hours": "08:00-17:00", "weekend_clinic": "周六上午", "lat": 31.86, "lon": 118.73}


def test_editors_add_and_change_facilities_and_every_change_is_audited(app, client, auth):
    created = client.post("/api/v1/info/facilities", json=NEW, headers=auth.staff("editor"))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["street"] == {"code": "guli", "name": "谷里街道"}
    again = client.post("/api/v1/info/facilities", json=NEW, headers=auth.staff("editor"))
    assert again.status_code == 409 and again.get_json()["errors"] == {"code": ["机构编码已存在"]}
    changed = client.patch("/api/v1/info/facilities/test_clinic", json={"phone": "025-52000001",
                                                                        "emergency_hours": "24小时"},
                           headers=auth.staff("editor"))
    assert changed.get_json()["phone"] == "025-52000001" and changed.get_json()["emergency_hours"] == "24小时"
    with app.app_context():
        trail = audit.list_for(subject_type="health_facility", subject_id="test_clinic")
        assert [(e.action, e.actor_role) for e in trail] == [("create", "editor"), ("update", "editor")]
        assert trail[1].detail == {"fields": ["emergency_hours", "phone"]}
    assert client.patch("/api/v1/info/facilities/nope", json={"phone": "1234567"},
                        headers=auth.staff("editor")).status_code == 404
    assert client.post("/api/v1/info/facilities", json=NEW, headers=auth.staff("clerk_urban_management")).status_code == 403
    assert client.get("/api/v1/info/facilities", headers=auth.staff("supervisor")).status_code == 200


@pytest.mark.parametrize("change", [{"phone": "call me"}, {"street_code": "mars"}, {"departments": "儿科"},
                                   {"lat": 200}, {"kind": "spa"}, {"code": "x"}])
def test_bad_facility_input_is_422(client, auth, change):
    response = client.post("/api/v1/info/facilities", json={**NEW, **change}, headers=auth.staff("editor"))
    assert response.status_code == 422, response.get_json()


def test_where_to_see_a_specialty_puts_the_residents_street_first(client):
    body = client.get("/api/mp/hospitals?q=孩子发烧去哪看&street=dongshan&limit=5").get_json()
    assert body["specialty"] == "儿科"
    assert all("儿科" in f["departments"] for f in body["items"])
    assert [f["street"]["code"] for f in body["items"]][:3] == ["dongshan"] * 3
    teeth = client.get("/api/mp/hospitals?q=看牙&street=hushu&limit=3").get_json()
    assert teeth["specialty"] == "口腔科" and teeth["items"][0]["street"]["code"] == "hushu"
    assert teeth["items"][0]["distance_km"] is not None


def test_weekend_and_emergency_filters(client):
    weekend = client.get("/api/mp/hospitals?weekend=true&limit=50").get_json()["items"]
    assert weekend and all(f["weekend_clinic"] for f in weekend)
    emergency = client.get("/api/mp/hospitals?q=半夜急诊&limit=50").get_json()["items"]
    assert emergency and all(f["emergency_hours"] for f in emergency) and all(f["kind"] == "hospital" for f in emergency)
    assert client.get("/api/mp/hospitals?limit=0").status_code == 422
    assert client.get("/api/mp/hospitals?street=NOWHERE!").status_code == 422
