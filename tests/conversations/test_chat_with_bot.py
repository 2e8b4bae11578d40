"""The chat endpoint against the real Rasa server trained from bot/ (started once per run)."""

import re

import pytest

from backend.conversations.models import ChatTurn
from backend.core.masking import mask_data
from backend.extensions import db
from tests.conversations.conftest import make_resident

pytestmark = pytest.mark.rasa
CHINESE = re.compile(r"[\u4e00-\u9fff]{4}")


def _chat(app, headers, text):
    # buffered: the server closes the response, which logs the turn.
    response = app.test_client().post("/api/mp/chat", json={"text": text}, headers=headers, buffered=True)
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
        # Stored as sent, with personal data masked: office phones and house numbers in a guide are masked too.
        assert turn.replies == mask_data(body["replies"])


@pytest.mark.parametrize("text", [
    "",
    " \n\t ",
    "😀😀😀🙏",
    "hello, can you help me?",
    "我想问下passport护照怎么办理，需要带啥 material",
    "Здравствуйте，请问 café 营业执照 🙂 في 哪里办",
    "啊" * 5000,
    "办" + "x" * 4999,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
])
def test_any_text_gets_a_sensible_reply_and_is_logged(app_with_bot, text):
    resident_id, headers = make_resident(app_with_bot)
    body = _chat(app_with_bot, headers, text)
    assert "degraded" not in body
    # Something a resident can read: a Chinese sentence, not an echo or an error.
    assert any(CHINESE.search(reply["text"]) for reply in body["replies"])
    with app_with_bot.app_context():
        turn = db.session.query(ChatTurn).filter(ChatTurn.conversation.has(resident_id=resident_id)).one()
        assert turn.outcome in ("ok", "no_reply", "empty")
        assert turn.text == " ".join(text.split())
        # Stored as sent, with personal data masked: office phones and house numbers in a guide are masked too.
        assert turn.replies == mask_data(body["replies"])


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


def test_every_turn_of_a_conversation_is_logged_in_order(app_with_bot):
    resident_id, headers = make_resident(app_with_bot)
    texts = ["你好", "身份证丢了怎么补办", "谢谢"]
    for text in texts:
        _chat(app_with_bot, headers, text)
    with app_with_bot.app_context():
        from backend.conversations.service import get_by_sender, list_turns

        conversation = get_by_sender(sender_id=str(resident_id))
        turns, total = list_turns(conversation=conversation, page=1, limit=10)
        assert total == 3 and conversation.turn_count == 3
        assert [turn.text for turn in turns] == texts
        assert all(turn.intent and turn.ranking and turn.actions and turn.replies for turn in turns)
