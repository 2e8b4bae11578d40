"""The console's cookie session: flags, CSRF on unsafe methods, idle timeout, logout, shared lockout, password."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.core.models import utcnow
from backend.directory.models import StaffSession
from backend.extensions import db
from backend.settings import Settings
from tests.core.test_app import OFFICIAL, PROVIDERS, WECHAT

PASSWORD = "jiangning2026"


def _login(client, username="clerk_urban_management", password=PASSWORD):
    return client.post("/api/v1/auth/session", json={"username": username, "password": password})


def _session_row(app) -> StaffSession:
    with app.app_context():
        return db.session.scalars(select(StaffSession).order_by(StaffSession.id.desc())).first()


def test_login_sets_an_httponly_strict_cookie_and_returns_the_csrf_token(client):
    response = _login(client)
    assert response.status_code == 200
    body = response.get_json()
    assert body["authenticated"] is True and body["staff"]["username"] == "clerk_urban_management"
    assert len(body["csrf_token"]) >= 32 and body["idle_timeout"] == 1800
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("zj_session=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/api/v1" in cookie and "Secure" not in cookie
    assert body["csrf_token"] not in cookie
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.get_json()["role"] == "clerk"
    assert client.get("/api/v1/auth/session").get_json()["csrf_token"] == body["csrf_token"]


def test_production_marks_the_cookie_secure(app, client):
    production = Settings.from_env({
        "APP_ENV": "production", "SECRET_KEY": "x" * 48, "BOT_SERVICE_TOKEN": "b" * 32, "PHONE_ENCRYPTION_KEY": "p",
        **WECHAT, **OFFICIAL, **PROVIDERS, "SESSION_COOKIE_SECURE": "0"})
    assert production.session_cookie_secure is True
    settings = app.config["SETTINGS"]
    object.__setattr__(settings, "session_cookie_secure", True)
    try:
        assert "Secure" in _login(client).headers["Set-Cookie"]
    finally:
        object.__setattr__(settings, "session_cookie_secure", False)


def test_unsafe_requests_with_the_cookie_need_the_csrf_token(client, auth):
    token = _login(client).get_json()["csrf_token"]
    body = {"title": "受理回复", "body": "您好，编号 {number} 的诉求已受理。"}
    missing = client.post("/api/v1/reply-templates", json=body)
    assert missing.status_code == 403
    assert missing.get_json()["message"] == "安全校验失败（缺少或无效的 CSRF 令牌），请刷新页面后重试"
    assert client.post("/api/v1/reply-templates", json=body, headers={"X-CSRF-Token": token[:-1]}).status_code == 403
    assert client.post("/api/v1/reply-templates", json=body, headers={"X-CSRF-Token": token}).status_code == 201
    # Reads need no token; bearer callers never do.
    assert client.get("/api/v1/reply-templates").status_code == 200
    client.delete_cookie("zj_session", path="/api/v1")
    assert client.post("/api/v1/reply-templates", json=body,
                       headers=auth.staff("clerk_urban_management")).status_code == 201


def test_wrong_credentials_and_the_lockout_are_shared_with_the_token_endpoint(client):
    assert _login(client, password="wrong").status_code == 401
    assert _login(client, password="wrong").get_json()["message"] == "用户名或密码错误"
    for _ in range(3):
        client.post("/api/v1/auth/token", json={"username": "clerk_urban_management", "password": "wrong"})
    locked = _login(client)
    assert locked.status_code == 429 and "账号已锁定" in locked.get_json()["message"]
    assert "Set-Cookie" not in locked.headers
    assert client.post("/api/v1/auth/token", json={"username": "clerk_urban_management",
                                                   "password": PASSWORD}).status_code == 429


def test_the_session_ends_after_the_idle_timeout(app, client):
    _login(client)
    row = _session_row(app)
    with app.app_context():
        db.session.get(StaffSession, row.id).last_seen_at = utcnow() - timedelta(seconds=1801)
        db.session.commit()
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/session").get_json()["authenticated"] is False
    with app.app_context():
        assert db.session.get(StaffSession, row.id) is None


def test_activity_slides_the_idle_timer_but_background_polling_does_not(app, client):
    _login(client)
    row = _session_row(app)
    old = utcnow() - timedelta(seconds=600)
    with app.app_context():
        db.session.get(StaffSession, row.id).last_seen_at = old
        db.session.commit()
    assert client.get("/api/v1/petitions/queues", headers={"X-Background": "1"}).status_code == 200
    with app.app_context():
        assert db.session.get(StaffSession, row.id).last_seen_at == old
    assert client.get("/api/v1/petitions/queues").status_code == 200
    with app.app_context():
        assert db.session.get(StaffSession, row.id).last_seen_at > old + timedelta(seconds=590)


def test_logout_ends_the_session_for_good(client):
    token = _login(client).get_json()["csrf_token"]
    cookie = client.get_cookie("zj_session", path="/api/v1").value
    response = client.delete("/api/v1/auth/session", headers={"X-CSRF-Token": token})
    assert response.status_code == 204
    assert "zj_session=;" in response.headers["Set-Cookie"]
    client.set_cookie("zj_session", cookie, path="/api/v1")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_changing_the_password_needs_the_old_one_and_signs_everyone_out(app, client, auth):
    token = _login(client).get_json()["csrf_token"]
    bearer = auth.staff("clerk_urban_management")
    headers = {"X-CSRF-Token": token}
    wrong = client.post("/api/v1/auth/password", json={"old_password": "nope", "new_password": "newpass2026"},
                        headers=headers)
    assert wrong.status_code == 422 and wrong.get_json()["errors"] == {"old_password": ["原密码不正确"]}
    weak = client.post("/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": "12345678"},
                       headers=headers)
    assert weak.status_code == 422 and "new_password" in weak.get_json()["errors"]
    done = client.post("/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": "newpass2026"},
                       headers=headers)
    assert done.status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert _login(client).status_code == 401
    assert _login(client, password="newpass2026").status_code == 200
    staff_id = client.get("/api/v1/auth/me").get_json()["id"]
    from backend.audit import service as audit

    with app.app_context():
        assert [e.action for e in audit.list_for(subject_type="staff", subject_id=staff_id)] == [
            "staff.change_password"]
