"""The wechatpy-based gateway against the fake WeChat server (real HTTP on loopback)."""

import socket
import subprocess
import sys
import time

import pytest
import requests

from backend.extensions import redis_store
from integrations import wechat
from integrations.wechat import InvalidCode, RateLimited, SubscriptionRefused, WeChatError, WeChatUnavailable
from integrations.wechat.fake_server import openid_for


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_code_to_session_gives_a_stable_openid_and_codes_are_single_use(app, fake_wechat):
    with app.app_context():
        gateway = wechat.get_gateway()
        first = gateway.code_to_session("alice#1")
        again = gateway.code_to_session("alice#2")
        other = gateway.code_to_session("bob#1")
        assert first.openid == again.openid == openid_for("alice")
        assert other.openid != first.openid
        assert first.session_key and first.session_key != again.session_key
        assert first.unionid is None
        with pytest.raises(InvalidCode) as used:
            gateway.code_to_session("alice#1")
        assert used.value.errcode == 40163
        assert gateway.code_to_session("union-carol").unionid


@pytest.mark.parametrize(("code", "error", "errcode"), [
    ("invalid", InvalidCode, 40029), ("ratelimit", RateLimited, 45011), ("busy", WeChatUnavailable, None),
])
def test_code_to_session_maps_wechat_error_codes(app, fake_wechat, code, error, errcode):
    with app.app_context(), pytest.raises(error) as raised:
        wechat.get_gateway().code_to_session(code)
    assert raised.value.errcode == errcode


def test_unreachable_wechat_is_unavailable(app):
    gateway = wechat.WechatpyGateway(appid="wx1", secret="s", api_base=f"http://127.0.0.1:{_free_port()}", timeout=1)
    with app.app_context(), pytest.raises(WeChatUnavailable):
        gateway.code_to_session("alice")


def test_wrong_credentials_are_a_wechat_error_not_an_invalid_code(app, fake_wechat):
    gateway = wechat.WechatpyGateway(appid=fake_wechat.appid, secret="wrong", api_base=fake_wechat.url)
    with app.app_context(), pytest.raises(WeChatError) as raised:
        gateway.code_to_session("alice")
    assert raised.value.errcode == 40125
    assert not isinstance(raised.value, InvalidCode)


def test_access_token_is_cached_and_refreshed_when_wechat_expires_it(app, fake_wechat):
    with app.app_context():
        gateway = wechat.get_gateway()
        assert gateway.check_text("o1", "路灯坏了").ok
        assert gateway.check_text("o1", "路灯还是坏的").ok
        assert fake_wechat.state.token_requests == 1
        if redis_store.client() is not None:
            cached = redis_store.client().get(redis_store.key("wechat", f"{fake_wechat.appid}_access_token"))
            assert cached is not None
        fake_wechat.expire_tokens()
        # wechatpy sees errcode 40001, fetches a new token and retries the call.
        assert gateway.check_text("o1", "井盖丢了").ok
        assert fake_wechat.state.token_requests == 2


def test_check_text_flags_risky_content_with_a_reason(app, fake_wechat):
    with app.app_context():
        gateway = wechat.get_gateway()
        ok, label = gateway.check_text("o1", "小区门口的路灯坏了三天")
        assert (ok, label) == (True, 100)
        verdict = gateway.check_text("o1", "这里有违禁词")
        assert verdict.ok is False
        assert verdict.reason == "违法犯罪"


def test_fake_speaks_the_v1_protocol_with_errcode_87014(fake_wechat):
    token = requests.get(fake_wechat.url + "/cgi-bin/token", params={
        "grant_type": "client_credential", "appid": fake_wechat.appid, "secret": fake_wechat.secret}).json()
    body = requests.post(fake_wechat.url + "/wxa/msg_sec_check", params={"access_token": token["access_token"]},
                         json={"content": "违禁词"}).json()
    assert body["errcode"] == 87014


def test_subscribe_messages_are_recorded_refused_or_failed(app, fake_wechat):
    with app.app_context():
        gateway = wechat.get_gateway()
        gateway.send_subscribe_message("o1", "tpl", {"thing1": {"value": "已受理"}}, "pages/petitions/detail?id=1")
        fake_wechat.refuse("o2")
        with pytest.raises(SubscriptionRefused) as refused:
            gateway.send_subscribe_message("o2", "tpl", {"thing1": {"value": "已受理"}})
        assert refused.value.permanent
        fake_wechat.fail_next_sends(1)
        with pytest.raises(WeChatUnavailable) as busy:
            gateway.send_subscribe_message("o1", "tpl", {"thing1": {"value": "已办结"}})
        assert not busy.value.permanent
    assert fake_wechat.messages() == [{"touser": "o1", "template_id": "tpl", "page": "pages/petitions/detail?id=1",
                                       "data": {"thing1": {"value": "已受理"}}}]
    fake_wechat.clear_messages()
    assert fake_wechat.messages() == []


def test_fake_server_runs_from_the_command_line():
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "integrations.wechat.fake_server", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                body = requests.get(f"http://127.0.0.1:{port}/sns/jscode2session", params={
                    "appid": wechat.defaults.FAKE_APPID, "secret": wechat.defaults.FAKE_SECRET,
                    "js_code": "invalid", "grant_type": "authorization_code"}, timeout=1).json()
                break
            except requests.ConnectionError:
                assert process.poll() is None, f"the fake server exited with {process.returncode}"
                assert time.monotonic() < deadline, "the fake server did not start within 60 s"
                time.sleep(0.05)
        assert body["errcode"] == 40029
    finally:
        process.terminate()
        process.wait(5)
