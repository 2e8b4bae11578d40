"""The chat endpoint against the real Rasa server trained from bot/ (started once per run)."""

import pytest

from backend.conversations.models import ChatTurn
from backend.extensions import db
from tests.conversations.conftest import make_resident

pytestmark = pytest.mark.rasa


def _chat(app, headers, text):
    response = app.test_client().post("/api/mp/chat", json={"text": text}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_greeting_is_answered_and_the_turn_is_logged(app_with_bot):
    resident_id, headers = make_resident(app_with_bot)
    body = _chat(app_with_bot, headers, "你好呀")
    assert "degraded" not in body
    assert body["replies"] and body["replies"][0]["text"]
    with app_with_bot.app_context():
        turn = db.session.query(ChatTurn).filter(ChatTurn.conversation.has(resident_id=resident_id)).one()
        assert turn.outcome == "ok"
        assert turn.intent == "greet"
        assert turn.confidence > 0.5
        assert turn.ranking and turn.actions
        assert turn.replies == body["replies"]


@pytest.mark.parametrize("text", [
    "😀😀😀🙏",
    "hello, can you help me?",
    "我想问下passport护照怎么办理，需要带啥 material",
    "啊" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
])
def test_any_text_gets_a_sensible_reply(app_with_bot, text):
    _, headers = make_resident(app_with_bot)
    body = _chat(app_with_bot, headers, text)
    assert "degraded" not in body
    assert any(reply["text"] for reply in body["replies"])


def test_handoff_flags_the_conversation(app_with_bot):
    resident_id, headers = make_resident(app_with_bot)
    body = _chat(app_with_bot, headers, "转人工")
    assert any("人工" in reply["text"] or "工作人员" in reply["text"] for reply in body["replies"])
    client = app_with_bot.test_client()
    from tests.conftest import Auth

    listed = client.get("/api/v1/conversations?handoff=true", headers=Auth(app_with_bot).staff("trainer")).get_json()
    with app_with_bot.app_context():
        from backend.conversations.service import get_by_sender

        conversation_id = get_by_sender(sender_id=str(resident_id)).id
    assert conversation_id in [item["id"] for item in listed["items"]]
