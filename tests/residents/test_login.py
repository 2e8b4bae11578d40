"""POST /api/mp/auth/login through the fake WeChat server."""

import socket

from sqlalchemy import select

from backend.extensions import db
from backend.residents import service
from backend.residents.models import Resident
from integrations import wechat
from integrations.wechat.fake_server import openid_for


def _login(client, code, **kwargs):
    return client.post("/api/mp/auth/login", json={"code": code}, **kwargs)


def test_login_creates_the_resident_once_and_returns_a_working_token(app, client, fake_wechat):
    first = _login(client, "alice#1")
    assert first.status_code == 200
    body = first.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == app.config["SETTINGS"].resident_token_ttl
    second = _login(client, "alice#2").get_json()
    me = client.get("/api/mp/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 200
    with app.app_context():
        residents = db.session.scalars(select(Resident).where(Resident.openid == openid_for("alice"))).all()
        assert len(residents) == 1
        assert me.get_json()["id"] == residents[0].id


def test_session_key_is_stored_encrypted_and_never_returned(app, client, fake_wechat):
    body = _login(client, "alice").get_json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    me = client.get("/api/mp/me", headers=headers)
    assert "session" not in me.get_data(as_text=True)
    with app.app_context():
        resident = service.get_by_openid(openid=openid_for("alice"))
        key = service.session_key(resident)
        assert key and key not in resident.session_key_encrypted
        assert "openid" not in me.get_json()


def test_invalid_or_used_code_is_401_in_chinese(client, fake_wechat):
    for code in ("invalid", "bob"):
        if code == "bob":
            assert _login(client, "bob").status_code == 200
        response = _login(client, code)
        assert response.status_code == 401
        assert response.get_json()["message"] == "微信登录凭证无效，请重新进入小程序"


def test_wechat_rate_limit_is_429(client, fake_wechat):
    response = _login(client, "ratelimit")
    assert response.status_code == 429
    assert "频繁" in response.get_json()["message"]


def test_wechat_unreachable_is_503_and_creates_nobody(app, client):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gateway = wechat.WechatpyGateway(appid="wx1", secret="s", api_base=f"http://127.0.0.1:{port}", timeout=1)
    previous = wechat.use_gateway(app, gateway)
    try:
        response = _login(client, "alice")
    finally:
        wechat.use_gateway(app, previous)
    assert response.status_code == 503
    assert response.get_json()["message"] == "暂时无法连接微信服务，请稍后再试"
    with app.app_context():
        assert db.session.scalar(select(Resident.id)) is None


def test_bad_login_bodies_are_422_or_400(client, fake_wechat):
    assert _login(client, "").status_code == 422
    assert _login(client, "x" * 129).status_code == 422
    missing = client.post("/api/mp/auth/login", json={})
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["code"] == ["此项为必填项"]
    assert client.post("/api/mp/auth/login", json={"code": 5}).status_code == 422
    assert client.post("/api/mp/auth/login", data="{oops", content_type="application/json").status_code == 400


def test_login_attempts_are_rate_limited_per_address(app, client, fake_wechat):
    limit = app.config["SETTINGS"].mp_login_max_per_ip
    for _ in range(limit):
        assert _login(client, "invalid", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 401
    blocked = _login(client, "carol", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "60"
    # Another address is not affected, and the blocked attempt never reached WeChat.
    assert _login(client, "carol", environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 200


def test_token_of_a_deleted_resident_stops_working(app, client, fake_wechat):
    token = _login(client, "dave").get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/mp/me", headers=headers).status_code == 200
    with app.app_context():
        db.session.delete(service.get_by_openid(openid=openid_for("dave")))
        db.session.commit()
    assert client.get("/api/mp/me", headers=headers).status_code == 401


def test_login_and_profile_are_in_the_openapi_document(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert set(paths["/api/mp/auth/login"]) == {"post"}
    assert set(paths["/api/mp/me"]) == {"get", "patch"}
    assert {"401", "429", "503"} <= set(paths["/api/mp/auth/login"]["post"]["responses"])
