"""Staff sign-in: tokens, wrong credentials, expiry, rate limit."""

from backend.core.security import read_token


def _login(client, username="dispatcher", password="jiangning2026"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_demo_account_gets_a_bearer_token(client):
    response = _login(client)
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 8 * 3600
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["role"] == "dispatcher"


def test_clerk_belongs_to_a_department(client):
    token = _login(client, "clerk_urban_management").get_json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["department"] == {"code": "urban_management", "name": "区城市管理局"}


def test_wrong_password_is_401_in_chinese(client):
    response = _login(client, password="wrong")
    assert response.status_code == 401
    assert response.get_json()["message"] == "用户名或密码错误"


def test_unknown_user_is_the_same_401(client):
    response = _login(client, username="nobody")
    assert response.status_code == 401
    assert response.get_json()["message"] == "用户名或密码错误"


def test_repeated_failures_are_throttled_even_with_the_right_password(client):
    for _ in range(5):
        assert _login(client, "editor", "bad").status_code == 401
    response = _login(client, "editor")
    assert response.status_code == 429
    assert response.get_json()["message"] == "登录失败次数过多，账号已锁定 5 分钟，请稍后再试"
    assert int(response.headers["Retry-After"]) > 0


def test_expired_and_forged_tokens_are_rejected(app, client):
    token = _login(client).get_json()["access_token"]
    with app.app_context():
        assert read_token("staff", token)["sub"] > 0
        settings = app.config["SETTINGS"]
        object.__setattr__(settings, "staff_token_ttl", -1)
        try:
            assert read_token("staff", token) is None
        finally:
            object.__setattr__(settings, "staff_token_ttl", 8 * 3600)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_resident_token_is_not_a_staff_token(app, client):
    from backend.core.security import issue_token

    with app.app_context():
        resident_token, _ = issue_token("resident", 1)
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {resident_token}"}).status_code in (401, 403)


def test_password_change_revokes_old_tokens(app, client):
    from backend.directory import service
    from backend.extensions import db

    token = _login(client, "trainer").get_json()["access_token"]
    with app.app_context():
        staff = service.get_staff_by_username(username="trainer")
        service.set_password(staff=staff, password="a-new-long-password")
        db.session.commit()
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_passwords_are_hashed(app):
    from backend.directory import service

    with app.app_context():
        staff = service.get_staff_by_username(username="admin")
        assert "jiangning2026" not in staff.password_hash
        assert staff.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_bad_bodies_get_chinese_422(client):
    response = client.post("/api/v1/auth/token", json={"username": 5})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["password"] == ["此项为必填项"]
    assert errors["username"] == ["应为文本"]
    assert client.post("/api/v1/auth/token", data=b"\xff\xfe{", content_type="application/json").status_code == 400
    assert client.post("/api/v1/auth/token", json=["a"]).status_code == 422
