"""Pushing WeChat's captured-format XML to /wechat/official as WeChat does: signed, in plain, compatible or safe
mode; and reading the answers back (decrypting them in safe mode)."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
import time
from pathlib import Path

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from tests.conftest import bot_settings
from tests.fake_rasa import FakeRasa

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wechat"
OPENID = "oT4Xb5n2dF0kPqLm9sR1vW8yZ3aB"


def fixture(name: str, **replace) -> str:
    """A fixture's XML with some elements' text replaced (e.g. MsgId="1", Content="你好")."""
    xml = (FIXTURES / f"{name}.xml").read_text(encoding="utf-8")
    for tag, value in replace.items():
        xml, count = re.subn(rf"<{tag}>.*?</{tag}>", f"<{tag}><![CDATA[{value}]]></{tag}>", xml, flags=re.S)
        assert count == 1, f"{name}.xml has no single <{tag}>"
    return xml


def signature(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    """WeChat's signature: sha1 of the sorted strings."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, *extra])).encode()).hexdigest()


class Pusher:
    """Plays WeChat's servers against the app."""

    def __init__(self, app):
        self.app = app
        self.settings = app.config["SETTINGS"]
        self.crypto = WeChatCrypto(self.settings.wechat_oa_token, self.settings.wechat_oa_aes_key,
                                   self.settings.wechat_oa_appid)

    def query(self, **extra) -> dict:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        return {"signature": signature(self.settings.wechat_oa_token, timestamp, nonce), "timestamp": timestamp,
                "nonce": nonce, "openid": OPENID, **extra}

    def push(self, xml: str, mode: str = "plain", *, query: dict | None = None, body: bytes | None = None):
        """POSTs a message; returns (response, seconds taken, the reply's fields or None for `success`)."""
        query = dict(query or self.query())
        if mode in ("safe", "compatible") and body is None:
            envelope = xmltodict.parse(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
            query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
            if mode == "safe":
                body = (f"<xml><ToUserName><![CDATA[gh_3e5d0c1a9b7f]]></ToUserName>"
                        f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>").encode()
            else:  # compatible: the plain fields and the ciphertext side by side
                body = xml.replace("</xml>", f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>").encode()
        started = time.monotonic()
        response = self.app.test_client().post("/wechat/official", query_string=query,
                                               data=body if body is not None else xml.encode(),
                                               content_type="text/xml", buffered=True)
        took = time.monotonic() - started
        return response, took, self.reply_of(response, mode)

    def reply_of(self, response, mode: str) -> dict | None:
        text = response.get_data(as_text=True)
        if response.status_code != 200 or text == "success":
            return None
        if mode in ("safe", "compatible"):
            envelope = xmltodict.parse(text)["xml"]
            text = self.crypto.decrypt_message(text, envelope["MsgSignature"], envelope["TimeStamp"],
                                               envelope["Nonce"])
        return xmltodict.parse(text)["xml"]


@pytest.fixture
def fake_rasa():
    """A fast stand-in for Rasa; set .delay and .messages per test."""
    with FakeRasa() as rasa:
        yield rasa


@pytest.fixture
def oa_app(committed_app, fake_wechat, fake_rasa):
    """The app with real commits, the fake WeChat server and the stand-in Rasa (Rasa's timeout above any delay)."""
    settings = dataclasses.replace(committed_app.config["SETTINGS"], rasa_urls=(fake_rasa.url,),
                                   rasa_timeout=10.0)
    with bot_settings(committed_app, settings):
        yield committed_app


def reply_wait(app, seconds: float) -> None:
    """Sets WECHAT_OA_REPLY_WAIT for the rest of the test (oa_app restores the settings)."""
    app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], wechat_oa_reply_wait=seconds)


@pytest.fixture
def pusher(oa_app) -> Pusher:
    """Pushes messages to the official-account webhook."""
    return Pusher(oa_app)


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.1):
    """Polls until predicate() is truthy; returns its value (or the last falsy one at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
