"""The chat endpoint when Rasa is not configured or not reachable: an apology, nothing lost.

Turns are logged when the response is closed, as servers do: hence buffered=True.
"""

import logging

import pytest

from backend.conversations.flows import to_replies
from backend.conversations.models import ChatTurn
from backend.extensions import db


def _turns(app, resident_id):
    with app.app_context():
        return db.session.query(ChatTurn).filter(ChatTurn.conversation.has(resident_id=resident_id)).all()


def test_chat_needs_a_resident_token(client, auth):
    assert client.post("/api/mp/chat", json={"text": "你好"}).status_code == 401
    assert client.post("/api/mp/chat", json={"text": "你好"}, headers=auth.staff("trainer")).status_code == 403


def test_bot_down_answers_with_an_apology_and_keeps_the_message(app, client, resident):
    resident_id, headers = resident
    settings = app.config["SETTINGS"]
    original = settings.rasa_urls
    object.__setattr__(settings, "rasa_urls", ("http://127.0.0.1:9",))  # nothing listens on the discard port
    try:
        response = client.post("/api/mp/chat", json={"text": "楼下烧烤店油烟太大了，电话13812345678"}, headers=headers,
                               buffered=True)
    finally:
        object.__setattr__(settings, "rasa_urls", original)
    assert response.status_code == 200
    body = response.get_json()
    assert body["degraded"] is True and body["offer"] == "leave_message"
    assert "留言" in body["replies"][0]["text"]
    turns = _turns(app, resident_id)
    assert len(turns) == 1
    assert turns[0].outcome == "bot_unavailable"
    assert "138****5678" in turns[0].text and "13812345678" not in turns[0].text


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_gets_a_prompt_not_an_error(app, client, resident, text):
    _, headers = resident
    response = client.post("/api/mp/chat", json={"text": text}, headers=headers, buffered=True)
    assert response.status_code == 200
    assert "请直接说出您想办的事" in response.get_json()["replies"][0]["text"]
    assert [turn.outcome for turn in _turns(app, resident[0])] == ["empty"]


def test_overlong_and_malformed_bodies_are_4xx_in_chinese(client, resident):
    _, headers = resident
    response = client.post("/api/mp/chat", json={"text": "啊" * 5001}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["text"] == ["长度不能超过 5000 个字"]
    assert client.post("/api/mp/chat", json={"text": 12}, headers=headers).status_code == 422
    assert client.post("/api/mp/chat", data=b"\xff", content_type="application/json",
                       headers=headers).status_code == 400


def test_rasa_messages_become_replies_with_known_cards_only():
    messages = [
        {"recipient_id": "1", "text": "出生登记需要以下材料：", "custom": {"cards": [
            {"type": "service_item", "code": "320115-GA-003", "title": "出生登记（新生儿入户）"},
            {"type": "advert", "code": "x", "title": "不认识的卡片"},
        ]}},
        {"recipient_id": "1", "custom": {"cards": [{"type": "petition", "code": "JN20261125-0001", "title": "诉求"}]}},
        {"recipient_id": "1", "text": "还有别的问题吗？", "buttons": [{"title": "没有了", "payload": "/deny"}]},
    ]
    replies = to_replies(messages)
    assert replies == [
        {"text": "出生登记需要以下材料：", "cards": [
            {"type": "service_item", "code": "320115-GA-003", "title": "出生登记（新生儿入户）"},
            {"type": "petition", "code": "JN20261125-0001", "title": "诉求"},
        ]},
        {"text": "还有别的问题吗？", "cards": [], "buttons": [{"title": "没有了", "payload": "/deny"}]},
    ]


def test_handoff_needs_the_service_token_and_a_known_sender(client, auth, resident):
    resident_id, headers = resident
    client.post("/api/mp/chat", json={"text": ""}, headers=headers, buffered=True)
    body = {"sender_id": str(resident_id), "reason": "居民要求转人工"}
    assert client.post("/api/v1/bot/handoff", json=body).status_code == 401
    assert client.post("/api/v1/bot/handoff", json=body, headers=auth.staff("trainer")).status_code == 403
    assert client.post("/api/v1/bot/handoff", json={"sender_id": "999999"}, headers=auth.service()).status_code == 404
    response = client.post("/api/v1/bot/handoff", json=body, headers=auth.service())
    assert response.status_code == 202
    listed = client.get("/api/v1/conversations?handoff=true", headers=auth.staff("trainer")).get_json()
    assert [c["handoff_reason"] for c in listed["items"]] == ["居民要求转人工"]


def test_trainer_sees_turns_masked_and_clerks_do_not(client, auth, resident):
    _, headers = resident
    client.post("/api/mp/chat", json={"text": "我身份证号320115199001011234"}, headers=headers, buffered=True)
    listed = client.get("/api/v1/conversations", headers=auth.staff("trainer")).get_json()
    conversation_id = listed["items"][0]["id"]
    turns = client.get(f"/api/v1/conversations/{conversation_id}/turns", headers=auth.staff("trainer")).get_json()
    assert turns["items"][0]["text"] == "我身份证号320115********1234"
    assert client.get("/api/v1/conversations", headers=auth.staff("clerk_health")).status_code == 403
    assert client.get("/api/v1/conversations/999999/turns", headers=auth.staff("trainer")).status_code == 404


def test_every_turn_is_logged_in_order_and_counted(app, client, resident):
    resident_id, headers = resident
    for text in ["你好", "", "我的手机13912345678"]:
        assert client.post("/api/mp/chat", json={"text": text}, headers=headers, buffered=True).status_code == 200
    turns = _turns(app, resident_id)
    assert [turn.text for turn in sorted(turns, key=lambda t: t.id)] == ["你好", "", "我的手机139****5678"]
    with app.app_context():
        from backend.conversations.models import Conversation

        conversation = db.session.query(Conversation).filter_by(resident_id=resident_id).one()
        assert conversation.turn_count == 3 and conversation.last_turn_at is not None


def test_a_turn_that_cannot_be_stored_is_logged_masked(client, resident, monkeypatch, caplog):
    _, headers = resident

    def broken(row):
        raise RuntimeError("database gone")

    monkeypatch.setattr("backend.conversations.service.record_turn", broken)
    with caplog.at_level(logging.ERROR, logger="backend.conversations.flows"):
        response = client.post("/api/mp/chat", json={"text": "电话13812345678"}, headers=headers, buffered=True)
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.getMessage().startswith("chat turn not stored")]
    assert "138****5678" in record.getMessage() and "13812345678" not in record.getMessage()
    assert record.exc_info and "database gone" in str(record.exc_info[1])
