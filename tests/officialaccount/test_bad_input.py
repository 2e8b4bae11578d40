"""No push, however broken, gets a 500 from /wechat/official: a 4xx, and nothing reaches the bot."""

from __future__ import annotations

import pytest

from tests.officialaccount.conftest import fixture

TEXT = fixture("text")
BROKEN = {
    "empty": b"",
    "not xml": b"hello wechat",
    "truncated": TEXT[:60].encode(),
    "no root xml": b"<msg><MsgType>text</MsgType></msg>",
    "text root": b"<xml>just text</xml>",
    "no MsgType": TEXT.replace("<MsgType><![CDATA[text]]></MsgType>", "").encode(),
    "no sender": TEXT.replace("<FromUserName><![CDATA[oT4Xb5n2dF0kPqLm9sR1vW8yZ3aB]]></FromUserName>", "").encode(),
    "nested sender": TEXT.replace("<![CDATA[oT4Xb5n2dF0kPqLm9sR1vW8yZ3aB]]>", "<a>1</a><b>2</b>").encode(),
    "huge openid": TEXT.replace("oT4Xb5n2dF0kPqLm9sR1vW8yZ3aB", "o" * 500).encode(),
    "openid with spaces": TEXT.replace("oT4Xb5n2dF0kPqLm9sR1vW8yZ3aB", "o 1\n2").encode(),
    "MsgId not a number": TEXT.replace("24634891726158745", "abc").encode(),
    "CreateTime missing": TEXT.replace("<CreateTime>1764662400</CreateTime>", "").encode(),
    "huge MsgId": TEXT.replace("24634891726158745", "9" * 400).encode(),
    "duplicate MsgType": TEXT.replace("</xml>", "<MsgType>text</MsgType></xml>").encode(),
    "not utf-8": TEXT.replace("身份证丢了怎么补办", "x").encode().replace(b"x", b"\xff\xfe"),
    "entity bomb": (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
                    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><MsgType>&b;</MsgType></xml>'),
    "bad latitude": fixture("location").replace("31.951200", "north").encode(),
    "latitude out of range": fixture("location").replace("31.951200", "91.5").encode(),
    "latitude nan": fixture("location").replace("31.951200", "nan").encode(),
    "location without longitude": fixture("location").replace("<Location_Y>118.843600</Location_Y>", "").encode(),
    "event without Event": fixture("event_subscribe").replace("<Event><![CDATA[subscribe]]></Event>", "").encode(),
    "LOCATION event infinite": fixture("event_location").replace("32.031500", "inf").encode(),
    "image without MediaId": fixture("image").replace(
        "<MediaId><![CDATA[Hx2K7pQ9mW4vB8nR3tY6uJ1cF5gL0zD-image]]></MediaId>", "").encode(),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_push_is_a_400(oa_app, pusher, fake_rasa, name):
    response, _, _ = pusher.push("", body=BROKEN[name])
    assert response.status_code == 400, (name, response.status_code, response.get_data(as_text=True)[:200])
    assert response.get_json()["code"] == 400
    assert fake_rasa.calls == []


@pytest.mark.parametrize("encrypt", ["", "not base64 !!!", "QUJDRA==", "A" * 4000])
def test_broken_ciphertext_in_safe_mode_is_refused(oa_app, pusher, fake_rasa, encrypt):
    from tests.officialaccount.conftest import signature

    query = pusher.query()
    body = f"<xml><ToUserName><![CDATA[gh_3e5d0c1a9b7f]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    # Correctly signed ciphertext that does not decrypt to a message of ours.
    msg_signature = signature(pusher.settings.wechat_oa_token, query["timestamp"], query["nonce"], encrypt)
    response, _, _ = pusher.push("", query={**query, "encrypt_type": "aes", "msg_signature": msg_signature},
                                 body=body.encode())
    assert response.status_code in (400, 403), response.get_data(as_text=True)[:200]
    assert fake_rasa.calls == []


def test_a_safe_mode_push_without_encrypt_is_a_400(oa_app, pusher):
    query = pusher.query()
    response, _, _ = pusher.push("", query={**query, "encrypt_type": "aes", "msg_signature": "x"}, body=TEXT.encode())
    assert response.status_code in (400, 403)


def test_a_huge_body_is_refused_before_it_is_read(oa_app, pusher, fake_rasa):
    body = TEXT.replace("身份证丢了怎么补办", "啊" * 40_000).encode()
    response, _, _ = pusher.push("", body=body)
    assert response.status_code == 413
    assert fake_rasa.calls == []


def test_a_long_text_is_cut_not_refused(oa_app, pusher, fake_rasa):
    response, _, reply = pusher.push(fixture("text", Content="路灯坏了" * 1000))
    assert response.status_code == 200 and reply is not None
    assert len(fake_rasa.calls[0][1]) <= 2000
    assert len(reply["Content"].encode()) <= 2048


@pytest.mark.parametrize("query", [
    {}, {"signature": "x"}, {"signature": "x", "timestamp": "1", "nonce": "n"},
    {"signature": "x" * 1000, "timestamp": "y" * 1000, "nonce": "z"},
])
def test_unsigned_or_garbage_query_is_a_403(oa_app, query):
    client = oa_app.test_client()
    assert client.post("/wechat/official", query_string=query, data=TEXT.encode()).status_code == 403
    assert client.get("/wechat/official", query_string={**query, "echostr": "1"}).status_code == 403


def test_a_signed_push_with_a_garbage_timestamp_is_a_403(oa_app, pusher):
    from tests.officialaccount.conftest import signature

    query = pusher.query()
    query.update(timestamp="soon", signature=signature(pusher.settings.wechat_oa_token, "soon", query["nonce"]))
    response, _, _ = pusher.push(TEXT, query=query)
    assert response.status_code == 403
