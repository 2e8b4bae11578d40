"""The chat relay: resident text → Rasa → replies with cards, every turn logged."""

from __future__ import annotations

import json
import logging
import time

from flask import after_this_request, current_app, has_request_context

from backend.conversations import service
from backend.core.models import utcnow
from backend.extensions import db
from integrations.rasa import RasaUnavailable, get_client

log = logging.getLogger(__name__)

CARD_TYPES = {"service_item", "petition", "notice", "activity", "weather", "transit", "hospital"}
# Rasa is sent at most this much of a message; longer texts are rare and add nothing to intent.
MAX_TEXT_TO_BOT = 1000
EMPTY_REPLY = "您好，我是江宁“指尖政务”小助手。请直接说出您想办的事或遇到的问题，比如“新生儿怎么上户口”“楼下油烟太大想投诉”。"
NO_REPLY = "不好意思，我没太明白您的意思。您可以换个说法，比如“身份证丢了怎么补办”“我要投诉噪音”，或者发送“转人工”。"
UNAVAILABLE_REPLY = (
    "抱歉，小助手暂时无法回答，您的消息已经记录下来了。"
    "您可以点击「我要留言」把问题写下来，我们会转给工作人员处理；紧急情况请拨打 12345。"
)


def chat(*, resident_id: int, text: str) -> dict:
    """Relays one message to the bot and returns {"replies": [...], "degraded"?, "offer"?}.

    The turn is logged once the response has been sent (see log_turn_after_response).
    """
    started = time.perf_counter()
    conversation_id, sender_id = service.open_conversation(resident_id=resident_id)
    clean = " ".join(text.split())
    if not clean:
        replies, outcome, understanding = [{"text": EMPTY_REPLY, "cards": []}], "empty", None
    else:
        # No transaction (nor pooled connection) stays open while Rasa thinks, which may take seconds.
        db.session.rollback()
        replies, outcome, understanding = _ask_bot(sender_id, clean)
    log_turn_after_response(service.turn_row(
        conversation_id=conversation_id, text=clean, replies=replies, outcome=outcome,
        latency_ms=int((time.perf_counter() - started) * 1000), understanding=understanding, created_at=utcnow(),
    ))
    body = {"replies": replies}
    if outcome == "bot_unavailable":
        body["degraded"] = True
        body["offer"] = "leave_message"
    return body


def log_turn_after_response(row: dict) -> None:
    """Stores the turn once the response is sent (at once outside a request); a failure is logged with the turn."""
    app = current_app._get_current_object()

    def store() -> None:
        with app.app_context():
            try:
                service.record_turn(row)
            except Exception:  # noqa: BLE001 — the resident has the reply; keep the turn in the log instead
                log.exception("chat turn not stored: %s", json.dumps(row, ensure_ascii=False, default=str))

    if not has_request_context():
        store()
        return

    @after_this_request
    def _schedule(response):
        response.call_on_close(store)
        return response


def _ask_bot(sender_id: str, text: str) -> tuple[list[dict], str, dict | None]:
    client = get_client()
    if client is None:
        return [{"text": UNAVAILABLE_REPLY, "cards": []}], "bot_unavailable", None
    try:
        turn = client.converse(sender_id=sender_id, text=text[:MAX_TEXT_TO_BOT])
    except RasaUnavailable as exc:
        log.warning("bot unavailable: %s", exc)
        return [{"text": UNAVAILABLE_REPLY, "cards": []}], "bot_unavailable", None
    understanding = {
        "intent": turn.intent, "confidence": turn.confidence, "ranking": turn.ranking,
        "entities": turn.entities, "actions": turn.actions, "response_selector": turn.response_selector,
    }
    replies = to_replies(turn.messages)
    if not replies:
        # The bot chose to stay silent (e.g. emoji only); a resident still deserves an answer.
        return [{"text": NO_REPLY, "cards": []}], "no_reply", understanding
    return replies, "ok", understanding


def to_replies(messages: list[dict]) -> list[dict]:
    """Turns Rasa's channel messages into the mini-program's replies (text + known cards)."""
    replies: list[dict] = []
    for message in messages:
        custom = message.get("custom") if isinstance(message.get("custom"), dict) else {}
        cards = [_card(card) for card in custom.get("cards") or [] if _card(card)]
        text = message.get("text") or custom.get("text") or ""
        if not text and replies and cards:
            replies[-1]["cards"].extend(cards)
            continue
        reply = {"text": text, "cards": cards}
        if message.get("buttons"):
            reply["buttons"] = [
                {"title": b.get("title", ""), "payload": b.get("payload", "")} for b in message["buttons"]
            ]
        if text or cards:
            replies.append(reply)
    return replies


def _card(card) -> dict | None:
    if not isinstance(card, dict) or card.get("type") not in CARD_TYPES or not card.get("code"):
        return None
    result = {"type": card["type"], "code": str(card["code"]), "title": str(card.get("title") or "")}
    for key in ("subtitle", "status", "department", "deadline"):
        if card.get(key) is not None:
            result[key] = card[key]
    return result
