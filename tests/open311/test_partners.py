"""Partners' API keys: issued by an admin (staff API or `flask open311`), shown once, hashed at rest."""

from __future__ import annotations

from sqlalchemy import select

from backend.extensions import db
from backend.open311.models import Partner
from tests.open311.conftest import REQUEST


def test_an_admin_issues_a_key_that_works_and_is_stored_only_hashed(client, auth, app):
    response = client.post("/api/v1/open311/partners", json={"name": "南京市12345平台"}, headers=auth.staff("admin"))
    assert response.status_code == 201
    created = response.get_json()
    api_key = created["api_key"]
    assert api_key.startswith("o311_") and created["key_prefix"] == api_key[:12]
    with app.app_context():
        partner = db.session.scalar(select(Partner).where(Partner.name == "南京市12345平台"))
        assert api_key not in (partner.key_hash, partner.key_prefix) and len(partner.key_hash) == 64
    listed = client.get("/api/v1/open311/partners", headers=auth.staff("admin")).get_json()["items"]
    assert [item["name"] for item in listed] == ["南京市12345平台"] and "api_key" not in listed[0]
    assert client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": api_key}).status_code == 201
    # A second partner of the same name is refused.
    again = client.post("/api/v1/open311/partners", json={"name": "南京市12345平台"}, headers=auth.staff("admin"))
    assert again.status_code == 409


def test_a_rotated_or_switched_off_key_stops_working(client, auth):
    admin = auth.staff("admin")
    created = client.post("/api/v1/open311/partners", json={"name": "网格化管理系统"}, headers=admin).get_json()
    rotated = client.post(f"/api/v1/open311/partners/{created['id']}/key", headers=admin).get_json()["api_key"]
    assert rotated != created["api_key"]
    assert client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": created["api_key"]}).status_code == 403
    assert client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": rotated}).status_code == 201
    off = client.patch(f"/api/v1/open311/partners/{created['id']}", json={"is_active": False}, headers=admin)
    assert off.status_code == 200 and off.get_json()["is_active"] is False
    assert client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": rotated}).status_code == 403


def test_only_admins_manage_partners(client, auth):
    assert client.get("/api/v1/open311/partners").status_code == 401
    for username in ("dispatcher", "supervisor", "clerk_urban_management"):
        headers = auth.staff(username)
        assert client.get("/api/v1/open311/partners", headers=headers).status_code == 403
        assert client.post("/api/v1/open311/partners", json={"name": "x"}, headers=headers).status_code == 403
    assert client.post("/api/v1/open311/partners/999999/key", headers=auth.staff("admin")).status_code == 404
    bad = client.post("/api/v1/open311/partners", json={"name": ""}, headers=auth.staff("admin"))
    assert bad.status_code == 422


def test_the_cli_issues_a_key(app):
    result = app.test_cli_runner().invoke(args=["open311", "add-partner", "区网格中心", "--per-minute", "30"])
    assert result.exit_code == 0, result.output
    assert "api_key o311_" in result.output
    again = app.test_cli_runner().invoke(args=["open311", "add-partner", "区网格中心"])
    assert again.exit_code != 0
