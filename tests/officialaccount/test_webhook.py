"""The official-account webhook with captured-format pushes: verification, plain/compatible/safe mode, each kind of
message, retries answered once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.conversations.models import ChatTurn, Conversation
from backend.extensions import db
from backend.officialaccount import texts
from backend.officialaccount.models import InboundImage
from backend.officialaccount.service import OPENID_PREFIX
from backend.residents.models import Resident
from tests.officialaccount.conftest import OPENID, fixture, signature


def _resident(app) -> Resident | None:
    with app.app_context():
        resident = db.session.scalar(select(Resident).where(Resident.openid == OPENID_PREFIX + OPENID))
        if resident is not None:
            db.session.expunge(resident)
        return resident


def test_server_verification_echoes_echostr_only_when_signed_with_our_token(oa_app, pusher):
    client = oa_app.test_client()
    good = pusher.query(echostr="5837422160117294417")
    response = client.get("/wechat/official", query_string=good)
    assert response.status_code == 200 and response.get_data(as_text=True) == "5837422160117294417"
    forged = {**good, "signature": signature("not-our-token", good["timestamp"], good["nonce"])}
    assert client.get("/wechat/official", query_string=forged).status_code == 403
    assert client.get("/wechat/official", query_string={"echostr": "1"}).status_code == 403
    stale_time = str(int(good["timestamp"]) - 3600)
    stale = {**good, "timestamp": stale_time,
             "signature": signature(pusher.settings.wechat_oa_token, stale_time, good["nonce"])}
    assert client.get("/wechat/official", query_string=stale).status_code == 403


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_text_goes_to_the_bot_as_the_residents_conversation_and_is_answered_passively(oa_app, pusher, fake_rasa,
                                                                                      mode):
    response, took, reply = pusher.push(fixture("text"), mode)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert reply is not None and reply["MsgType"] == "text"
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == "gh_3e5d0c1a9b7f"
    assert reply["Content"] == "您好，我是小助手，已收到：身份证丢了怎么补办"
    resident = _resident(oa_app)
    assert fake_rasa.calls == [(str(resident.id), "身份证丢了怎么补办")]
    with oa_app.app_context():
        conversation = db.session.scalar(select(Conversation).where(Conversation.resident_id == resident.id))
        turns = db.session.scalars(select(ChatTurn).where(ChatTurn.conversation_id == conversation.id)).all()
        assert [(t.text, t.outcome, t.intent) for t in turns] == [("身份证丢了怎么补办", "ok", "greet")]


def test_a_forged_signature_is_refused_in_every_mode(oa_app, pusher, fake_rasa):
    query = pusher.query()
    forged = {**query, "signature": signature("wrong", query["timestamp"], query["nonce"])}
    response, _, _ = pusher.push(fixture("text"), query=forged)
    assert response.status_code == 403 and response.get_json()["code"] == 403
    # Safe mode: the URL's signature is right but the message's is not ours.
    response, _, _ = pusher.push(fixture("text"), "safe", query={**query, "msg_signature": "0" * 40,
                                                                  "encrypt_type": "aes"},
                                 body=b"<xml><Encrypt><![CDATA[abcd]]></Encrypt></xml>")
    assert response.status_code == 403
    assert fake_rasa.calls == [] and _resident(oa_app) is None


def test_a_message_retried_by_wechat_is_answered_once_with_the_same_reply(oa_app, pusher, fake_rasa):
    answers = [pusher.push(fixture("text"))[2] for _ in range(3)]
    assert len(fake_rasa.calls) == 1
    assert answers[0] is not None and all(a["Content"] == answers[0]["Content"] for a in answers)
    with oa_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChatTurn)) == 1


def test_subscribe_gets_the_welcome_and_menu_clicks_speak_to_the_bot(oa_app, pusher, fake_rasa):
    _, _, welcome = pusher.push(fixture("event_subscribe"))
    assert welcome["Content"] == texts.WELCOME
    _, _, reply = pusher.push(fixture("event_click"))
    assert fake_rasa.calls[-1][1] == "我要投诉" and "我要投诉" in reply["Content"]
    _, _, unknown = pusher.push(fixture("event_click", EventKey="MENU_FROM_AN_OLD_RELEASE").replace(
        "1764662440", "1764662441"))
    assert unknown["Content"] == texts.WELCOME
    assert len(fake_rasa.calls) == 1


def test_a_location_sets_the_residents_street_to_the_nearest_one(oa_app, pusher):
    _, _, reply = pusher.push(fixture("location"))
    assert reply["Content"] == texts.street_set("东山街道")
    assert _resident(oa_app).street.code == "dongshan"
    # Reported in the background when the follower opens the chat: set silently.
    response, _, reply = pusher.push(fixture("event_location"))
    assert response.get_data(as_text=True) == "success" and reply is None
    assert _resident(oa_app).street.code == "qilin"
    _, _, reply = pusher.push(fixture("location", MsgId="24634891726158750").replace(
        "<Location_X>31.951200</Location_X>", "<Location_X>39.908800</Location_X>").replace(
        "<Location_Y>118.843600</Location_Y>", "<Location_Y>116.397400</Location_Y>"))
    assert reply["Content"] == texts.OUTSIDE_COUNTY
    assert _resident(oa_app).street.code == "qilin"


def test_voice_is_read_as_its_recognised_text(oa_app, pusher, fake_rasa):
    _, _, reply = pusher.push(fixture("voice"))
    assert fake_rasa.calls[-1][1] == "楼下烧烤油烟太大了我要投诉"
    assert "楼下烧烤油烟太大了我要投诉" in reply["Content"]
    _, _, reply = pusher.push(fixture("voice_unrecognised"))
    assert reply["Content"] == texts.VOICE_NOT_RECOGNISED and len(fake_rasa.calls) == 1


def test_an_image_is_kept_for_the_residents_petition(oa_app, pusher):
    _, _, reply = pusher.push(fixture("image"))
    assert reply["Content"] == texts.IMAGE_KEPT
    pusher.push(fixture("image"))  # WeChat's retry keeps nothing twice
    with oa_app.app_context():
        images = db.session.scalars(select(InboundImage)).all()
        assert [(i.resident_id, i.media_id, i.pic_url) for i in images] == [(
            _resident(oa_app).id, "Hx2K7pQ9mW4vB8nR3tY6uJ1cF5gL0zD-image",
            "http://mmbiz.qpic.cn/mmbiz_jpg/Xb5n2dF0kPqLm9sR1vW8yZ3aB/0")]


def test_cards_become_mini_program_links_and_buttons_things_to_type(oa_app, pusher, fake_rasa):
    fake_rasa.messages = [
        {"text": "补办身份证可以这样办理："},
        {"custom": {"cards": [{"type": "service_item", "code": "gaj_sfz_bl", "title": "居民身份证补领"}]}},
        {"text": "还有别的问题吗？", "buttons": [{"title": "我要投诉", "payload": "/start_complaint"}]},
    ]
    _, _, reply = pusher.push(fixture("text"))
    appid = oa_app.config["SETTINGS"].wechat_appid
    assert reply["Content"] == (
        "补办身份证可以这样办理：\n"
        f'👉 <a data-miniprogram-appid="{appid}" data-miniprogram-path="pages/services/detail?code=gaj_sfz_bl">'
        "居民身份证补领</a>\n还有别的问题吗？\n您可以回复：“我要投诉”")


def test_other_messages_get_a_polite_answer(oa_app, pusher):
    video = fixture("text").replace("<MsgType><![CDATA[text]]></MsgType>", "<MsgType><![CDATA[video]]></MsgType>")
    _, _, reply = pusher.push(video)
    assert reply["Content"] == texts.UNSUPPORTED
    unsubscribe = fixture("event_subscribe").replace("[subscribe]", "[unsubscribe]")
    response, _, _ = pusher.push(unsubscribe)
    assert response.get_data(as_text=True) == "success"


@pytest.mark.rasa
def test_the_real_bot_answers_a_follower_once(app_with_bot, fake_wechat):
    import re

    from tests.officialaccount.conftest import Pusher, wait_for

    response, _, reply = Pusher(app_with_bot).push(fixture("text"))
    assert response.status_code == 200
    # Passively when the bot is quick enough, else by customer-service message: once either way.
    said = [reply["Content"]] if reply else [m["text"]["content"] for m in wait_for(fake_wechat.custom_messages)]
    assert len(said) == 1 and re.search(r"[\u4e00-\u9fff]{4}", said[0])
    if reply:
        assert fake_wechat.custom_messages() == []
