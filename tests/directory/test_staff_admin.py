"""Staff account administration: admins only, every change audited, deactivation and resets revoke access."""

from __future__ import annotations

NEW = {"username": "clerk_new", "display_name": "新办理员", "role": "clerk", "department": "transport",
       "password": "firstpass2026"}


def _token(client, username, password):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    return response.status_code, response.get_json()


def test_only_admins_manage_accounts(client, auth):
    for username in ("clerk_urban_management", "supervisor", "dispatcher"):
        assert client.get("/api/v1/staff", headers=auth.staff(username)).status_code == 403
        assert client.post("/api/v1/staff", json=NEW, headers=auth.staff(username)).status_code == 403
    listed = client.get("/api/v1/staff?role=clerk&department=transport", headers=auth.staff("admin")).get_json()
    assert [s["username"] for s in listed["items"]] == ["clerk_transport"] and listed["total"] == 1


def test_admin_creates_changes_and_deactivates_an_account_with_an_audit_trail(client, auth):
    admin = auth.staff("admin")
    created = client.post("/api/v1/staff", json=NEW, headers=admin)
    assert created.status_code == 201
    account = created.get_json()
    assert account["department"]["code"] == "transport" and account["is_active"] is True
    status, body = _token(client, "clerk_new", "firstpass2026")
    assert status == 200
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=bearer).get_json()["role"] == "clerk"

    moved = client.patch(f"/api/v1/staff/{account['id']}", json={"department": "water_affairs"}, headers=admin)
    assert moved.status_code == 200 and moved.get_json()["department"]["code"] == "water_affairs"
    off = client.patch(f"/api/v1/staff/{account['id']}", json={"is_active": False}, headers=admin)
    assert off.status_code == 200 and off.get_json()["is_active"] is False
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert _token(client, "clerk_new", "firstpass2026")[0] == 401

    trail = client.get(f"/api/v1/staff/{account['id']}/audit", headers=admin).get_json()["items"]
    assert [(e["action"], e["detail"]) for e in trail] == [
        ("staff.create", {"username": "clerk_new", "role": "clerk", "department": "transport"}),
        ("staff.update", {"department": "water_affairs"}),
        ("staff.update", {"is_active": False}),
    ]
    assert all(e["actor_role"] == "admin" for e in trail)
    assert "firstpass2026" not in str(trail)


def test_reset_password_revokes_old_access(client, auth):
    admin = auth.staff("admin")
    account = client.post("/api/v1/staff", json=NEW, headers=admin).get_json()
    old = {"Authorization": f"Bearer {_token(client, 'clerk_new', 'firstpass2026')[1]['access_token']}"}
    weak = client.post(f"/api/v1/staff/{account['id']}/password", json={"password": "short"}, headers=admin)
    assert weak.status_code == 422 and "password" in weak.get_json()["errors"]
    reset = client.post(f"/api/v1/staff/{account['id']}/password", json={"password": "second2026pass"},
                        headers=admin)
    assert reset.status_code == 204
    assert client.get("/api/v1/auth/me", headers=old).status_code == 401
    assert _token(client, "clerk_new", "firstpass2026")[0] == 401
    assert _token(client, "clerk_new", "second2026pass")[0] == 200
    actions = [e["action"] for e in client.get(f"/api/v1/staff/{account['id']}/audit", headers=admin).get_json()["items"]]
    assert actions == ["staff.create", "staff.reset_password"]


def test_bad_account_changes_are_refused_in_chinese(client, auth):
    admin = auth.staff("admin")
    assert client.post("/api/v1/staff", json=NEW, headers=admin).status_code == 201
    duplicate = client.post("/api/v1/staff", json=NEW, headers=admin)
    assert duplicate.status_code == 422 and duplicate.get_json()["errors"] == {"username": ["用户名已存在"]}
    homeless = client.post("/api/v1/staff", json={**NEW, "username": "clerk_x", "department": None}, headers=admin)
    assert homeless.status_code == 422 and "department" in homeless.get_json()["errors"]
    unknown = client.post("/api/v1/staff", json={**NEW, "username": "clerk_y", "department": "nope"}, headers=admin)
    assert unknown.status_code == 422 and unknown.get_json()["errors"] == {"department": ["部门不存在"]}
    bad_name = client.post("/api/v1/staff", json={**NEW, "username": "Bad Name"}, headers=admin)
    assert bad_name.status_code == 422 and "username" in bad_name.get_json()["errors"]
    me = client.get("/api/v1/auth/me", headers=admin).get_json()["id"]
    selfish = client.patch(f"/api/v1/staff/{me}", json={"is_active": False}, headers=admin)
    assert selfish.status_code == 409 and selfish.get_json()["message"] == "不能停用自己的账号或修改自己的角色"
    assert client.patch("/api/v1/staff/999999", json={"is_active": False}, headers=admin).status_code == 404
