"""Open311 GeoReport v2: discovery, services, filing through the petition workflow, following its status; every
response checked against the spec's schemas, in JSON and XML."""

from __future__ import annotations

from sqlalchemy import select

from backend.directory.models import Department
from backend.extensions import db
from backend.open311.models import PartnerRequest
from backend.petitions.models import Petition
from tests.open311.conftest import REQUEST, from_xml, validate


def test_discovery_names_the_v2_endpoint(client):
    body = client.get("/open311/discovery.json").get_json()
    validate("discovery", body)
    assert body["endpoints"][0]["url"] == "http://localhost/open311/v2"
    xml = client.get("/open311/discovery.xml")
    assert xml.mimetype == "text/xml" and b"<specification>http://wiki.open311.org/GeoReport_v2" in xml.data


def test_services_are_the_petition_categories_grouped_by_department(open311, client, app):
    services = open311.get("/v2/services.json", "services")
    by_code = {item["service_code"]: item for item in services}
    assert by_code["restaurant_fumes"]["service_name"] == "餐饮油烟"
    with app.app_context():
        urban = db.session.scalar(select(Department).where(Department.code == "urban_management"))
    assert by_code["restaurant_fumes"]["group"] == urban.name
    assert all(item["metadata"] is True and item["type"] == "realtime" for item in services)
    xml = from_xml(client.get("/open311/v2/services.xml"), "services", "service")
    assert [item["service_code"] for item in xml] == [item["service_code"] for item in services]
    validate("services", [{**item, "metadata": item["metadata"] == "true"} for item in xml])


def test_a_service_definition_lists_the_streets_as_a_single_value_list(open311):
    definition = open311.get("/v2/services/restaurant_fumes.json", "service_definition")
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert attributes["street"]["datatype"] == "singlevaluelist"
    assert {"key": "dongshan", "name": "东山街道"} in attributes["street"]["values"]
    assert {v["key"] for v in attributes["type"]["values"]} == {"投诉", "求助", "咨询", "建议", "表扬"}
    open311.get("/v2/services/no_such_service.json", "errors", 404)


def test_a_request_becomes_a_petition_in_the_staff_queues_and_its_status_follows(open311, client, app, auth):
    created = open311.post(**REQUEST)[0]
    number, token = created["service_request_id"], created["token"]
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.number == number))
        assert (petition.source, petition.type, petition.street.code) == ("open311", "投诉", "dongshan")
    # The keyword classifier (no Rasa in this test run) routes fumes to urban management, or the petition waits
    # for a dispatcher: either way staff see it.
    dispatcher_queue = client.get("/api/v1/petitions", headers=auth.staff("dispatcher")).get_json()
    clerk_queue = client.get("/api/v1/petitions", headers=auth.staff("clerk_urban_management")).get_json()
    seen = [item["number"] for item in dispatcher_queue["items"] + clerk_queue["items"]]
    assert number in seen

    request = open311.get(f"/v2/requests/{number}.json", "requests")[0]
    assert request["status"] == "open" and request["service_code"] == "restaurant_fumes"
    # No personal data: the phone number is masked, the place is the street, the position is rounded.
    assert "13812345678" not in request["description"] and "138****5678" in request["description"]
    assert request["address"] == "江宁区东山街道" and request["lat"] == 31.951
    assert open311.get(f"/v2/tokens/{token}.json", "tokens") == [{"service_request_id": number, "token": token}]

    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.number == number))
        department = petition.department.code if petition.department else None
    if department is None:  # left for the dispatcher: dispatch it as a dispatcher would
        response = client.post(f"/api/v1/petitions/{petition.id}/transitions", headers=auth.staff("dispatcher"),
                               json={"action": "dispatch", "department": "urban_management"})
        assert response.status_code == 200, response.get_data(as_text=True)
        department = "urban_management"
    clerk = auth.staff(f"clerk_{department}")
    for body in ({"action": "accept"}, {"action": "reply", "content": "已责令店家加装油烟净化设备，请联系13900001111"}):
        response = client.post(f"/api/v1/petitions/{petition.id}/transitions", headers=clerk, json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
    request = open311.get(f"/v2/requests/{number}.json", "requests")[0]
    assert request["agency_responsible"] and request["status"] == "open"
    assert request["status_notes"].startswith("已答复：已责令店家加装油烟净化设备") and "139****1111" in request["status_notes"]
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.number == number))
        petition.status = "closed"
        db.session.commit()
    request = open311.get(f"/v2/requests/{number}.json", "requests")[0]
    assert request["status"] == "closed" and request["expected_datetime"] is None
    closed = open311.get("/v2/requests.json", "requests", status="closed")
    assert [item["service_request_id"] for item in closed] == [number]
    assert open311.get("/v2/requests.json", "requests", status="open") == []


def test_a_retry_with_the_partners_id_files_nothing_twice(open311, app):
    first = open311.post(partner_request_id="GRID-2026-000123", **REQUEST)[0]
    again = open311.post(200, partner_request_id="GRID-2026-000123", **REQUEST)[0]
    assert again == first
    other = open311.post(partner_request_id="GRID-2026-000124", **REQUEST)[0]
    assert other["service_request_id"] != first["service_request_id"]
    # The same id with different content is refused rather than answered with the wrong petition.
    open311.post(400, partner_request_id="GRID-2026-000123", **{**REQUEST, "description": "另一件完全不同的事情，路灯坏了"})
    with app.app_context():
        assert len(db.session.scalars(select(PartnerRequest)).all()) == 2


def test_the_location_can_be_an_address_or_a_street_attribute(open311, app):
    by_address = open311.post(service_code="municipal_facilities", description="秣陵街道天元中路路灯不亮已经一周了",
                              address_string="江宁区秣陵街道天元中路88号")[0]
    by_attribute = open311.post(**{"service_code": "municipal_facilities", "description": "路灯不亮已经一周了，晚上很危险",
                                   "attribute[street]": "hushu", "attribute[urgency]": "urgent"})[0]
    with app.app_context():
        for created, street in ((by_address, "moling"), (by_attribute, "hushu")):
            petition = db.session.scalar(select(Petition).where(Petition.number == created["service_request_id"]))
            assert petition.street.code == street


def test_lists_filter_by_ids_and_service_and_speak_xml(open311, client):
    numbers = [open311.post(**REQUEST)[0]["service_request_id"] for _ in range(2)]
    listed = open311.get("/v2/requests.json", "requests", service_request_id=",".join(numbers))
    assert sorted(item["service_request_id"] for item in listed) == sorted(numbers)
    assert open311.get("/v2/requests.json", "requests", service_code="municipal_facilities") == []
    xml = from_xml(client.get(f"/open311/v2/requests/{numbers[0]}.xml"), "service_requests", "request")
    assert xml[0]["service_request_id"] == numbers[0] and xml[0]["status"] == "open"
    created = client.post("/open311/v2/requests.xml", data={**REQUEST, "api_key": open311.api_key})
    assert created.status_code == 201 and created.mimetype == "text/xml"
    assert from_xml(created, "service_requests", "request")[0]["token"]
