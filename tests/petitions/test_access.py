"""Least privilege: residents see only their own petitions, clerks only their department's, also via photos."""

from __future__ import annotations

import io

from backend.residents import service as residents_service
from tests.petitions.conftest import VALID, jpeg_bytes


def _with_photo(client, headers):
    data = {**VALID, "contact_consent": "true", "photos": [(io.BytesIO(jpeg_bytes()), "a.jpg")]}
    response = client.post("/api/mp/petitions", data=data, headers=headers, content_type="multipart/form-data",
                           buffered=True)
    assert response.status_code == 201
    return response.get_json()["id"]


def test_a_resident_never_sees_another_residents_petition(client, residents):
    _, alice = residents.new()
    _, bob = residents.new()
    petition_id = _with_photo(client, alice)
    photo_url = client.get(f"/api/mp/petitions/{petition_id}", headers=alice).get_json()["photos"][0]["url"]
    assert client.get(f"/api/mp/petitions/{petition_id}", headers=bob).status_code == 404
    assert client.get(photo_url, headers=bob).status_code == 404
    assert client.get(photo_url).status_code == 401
    assert client.post(f"/api/mp/petitions/{petition_id}/withdraw", json={}, headers=bob).status_code == 404
    assert petition_id not in [i["id"] for i in client.get("/api/mp/petitions", headers=bob).get_json()["items"]]
    assert client.get(f"/api/mp/petitions/{petition_id}", headers=alice).status_code == 200


def test_a_clerk_never_sees_another_departments_petition(client, residents, auth):
    _, alice = residents.new()
    petition_id = _with_photo(client, alice)  # routed to urban_management
    own, other = auth.staff("clerk_urban_management"), auth.staff("clerk_transport")
    detail = client.get(f"/api/v1/petitions/{petition_id}", headers=own)
    assert detail.status_code == 200
    attachment = detail.get_json()["photos"][0]["url"]
    assert client.get(attachment, headers=own).data == jpeg_bytes()
    assert client.get(f"/api/v1/petitions/{petition_id}", headers=other).status_code == 404
    assert client.get(attachment, headers=other).status_code == 404
    assert client.post(f"/api/v1/petitions/{petition_id}/notes", json={"body": "看看"}, headers=other).status_code == 404
    listed = client.get("/api/v1/petitions", headers=other).get_json()["items"]
    assert petition_id not in [i["id"] for i in listed]
    # Asking for another department's list by filter does not widen a clerk's scope.
    filtered = client.get("/api/v1/petitions?department=urban_management", headers=other).get_json()
    assert filtered["total"] == 0


def test_photo_of_another_petition_is_not_served_through_mine(client, residents):
    _, alice = residents.new()
    _, bob = residents.new()
    alices = _with_photo(client, alice)
    bobs = _with_photo(client, bob)
    bob_photo = client.get(f"/api/mp/petitions/{bobs}", headers=bob).get_json()["photos"][0]["id"]
    assert client.get(f"/api/mp/petitions/{alices}/photos/{bob_photo}", headers=alice).status_code == 404


def test_trainer_and_editor_cannot_read_petitions(client, auth):
    for username in ("trainer", "editor"):
        assert client.get("/api/v1/petitions", headers=auth.staff(username)).status_code == 403


def test_residents_cannot_use_the_staff_api(client, residents):
    _, alice = residents.new()
    petition_id = _with_photo(client, alice)
    assert client.get(f"/api/v1/petitions/{petition_id}", headers=alice).status_code == 403
    assert client.get("/api/v1/petitions", headers=alice).status_code == 403


def test_phone_is_masked_and_shown_only_to_the_handling_clerk_with_consent_audited(app, client, residents, auth):
    resident, alice = residents.new()
    with app.app_context():
        from backend.extensions import db

        stored = db.session.merge(resident)
        residents_service.update_profile(resident=stored, changes={"phone": "13812345678"})
    consented = client.post("/api/mp/petitions", json=VALID, headers=alice, buffered=True).get_json()["id"]
    private = client.post("/api/mp/petitions", json={**VALID, "contact_consent": False}, headers=alice,
                          buffered=True).get_json()["id"]
    clerk, dispatcher = auth.staff("clerk_urban_management"), auth.staff("dispatcher")
    detail = client.get(f"/api/v1/petitions/{consented}", headers=clerk).get_json()
    assert detail["resident"]["phone"] == "138****5678" and detail["resident"]["can_reveal"] is True
    assert not [e for e in detail["timeline"] if e["action"] == "petition.reveal_phone"]
    shown = client.post(f"/api/v1/petitions/{consented}/contact", headers=clerk)
    assert shown.status_code == 200
    assert shown.get_json()["phone"] == "13812345678" and shown.get_json()["phone_revealed"] is True
    timeline = client.get(f"/api/v1/petitions/{consented}", headers=clerk).get_json()["timeline"]
    [event] = [e for e in timeline if e["action"] == "petition.reveal_phone"]
    assert event["kind"] == "audit" and event["actor_role"] == "clerk" and event["label"] == "查看完整电话"
    for headers, petition_id in ((dispatcher, consented), (clerk, private)):
        masked = client.get(f"/api/v1/petitions/{petition_id}", headers=headers).get_json()["resident"]
        assert masked["phone"] != "13812345678" and masked["phone"].endswith("5678")
        assert masked["phone_revealed"] is False and masked["can_reveal"] is False
        refused = client.post(f"/api/v1/petitions/{petition_id}/contact", headers=headers)
        assert refused.status_code == 403
        assert "13812345678" not in refused.get_data(as_text=True)
