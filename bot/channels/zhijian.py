"""The backend's channel: Rasa's REST channel plus what the trainer console logs for each turn.

The stock REST channel answers 200 with [] when anything fails and says nothing about how the
message was understood. This channel checks the backend's token, answers 500 on failure, and
returns the parse result and the actions of the turn with the messages, so the backend can log
a turn without a second request to the tracker API. The turn is read from the tracker Rasa saves at
the end of the turn (inside the conversation's lock), not fetched again from the tracker store: a
fetch deserialises and replays the whole conversation (or queries the SQL tracker store) every turn.
"""

from __future__ import annotations

import hmac
import logging
import os
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# The turn being handled in this request's task: {"sender_id", "tracker"?}; set by the webhook.
_current_turn: ContextVar[Optional[Dict[Text, Any]]] = ContextVar("zhijian_turn", default=None)


def capture_saved_trackers(store: Any) -> None:
    """Makes the tracker store remember, for the webhook handling the turn, the tracker it saves."""
    if getattr(store, "_zhijian_captures", False):
        return
    save = store.save

    async def save_and_capture(tracker: Any) -> None:
        await save(tracker)
        turn = _current_turn.get()
        if turn is not None and tracker.sender_id == turn["sender_id"]:
            turn["tracker"] = tracker

    # An instance attribute: the processor holds this very store object and calls store.save.
    store.save = save_and_capture
    store._zhijian_captures = True


class ZhijianInput(InputChannel):
    """POST /webhooks/zhijian/webhook {sender, message, metadata} with `Authorization: Bearer <token>`."""

    @classmethod
    def name(cls) -> Text:
        return "zhijian"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ZhijianInput":
        # Rasa does not expand ${VAR} in credentials.yml (only in endpoints.yml), so expand here.
        token = os.path.expandvars(str((credentials or {}).get("token") or "${RASA_TOKEN}"))
        if "${" in token or not token:
            logger.error("zhijian channel: RASA_TOKEN is not set; every request will be refused")
            token = ""
        return cls(token=token)

    def __init__(self, token: Text) -> None:
        self.token = token

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return False
        header = request.headers.get("Authorization", "")
        supplied = header[7:] if header.lower().startswith("bearer ") else ""
        return hmac.compare_digest(supplied.encode(), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("zhijian_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json or {}
            sender_id = str(body.get("sender") or "")
            text = body.get("message")
            if not sender_id or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            collector = CollectingOutputChannel()
            turn: Dict[Text, Any] = {"sender_id": sender_id}
            reset = _current_turn.set(turn)
            try:
                agent = request.app.ctx.agent
                # Every time: a model loaded over the HTTP API brings a new agent with a new store.
                capture_saved_trackers(agent.tracker_store)
                await on_new_message(
                    UserMessage(text, collector, sender_id, input_channel=self.name(),
                                metadata=body.get("metadata") or None)
                )
                tracker = turn.get("tracker")
                if tracker is None:  # nothing saved (e.g. an NLU-only model): ask the store
                    tracker = await agent.tracker_store.retrieve(sender_id)
            except Exception:  # noqa: BLE001 — any failure must reach the backend as a failure
                logger.exception("zhijian channel failed to handle a message")
                return response.json({"error": "internal"}, status=500)
            finally:
                _current_turn.reset(reset)
            return response.json({"messages": collector.messages, "turn": describe_turn(tracker)})

        return webhook


def describe_turn(tracker: Any) -> Dict[Text, Any]:
    """The latest user message's parse data and the actions predicted after it."""
    if tracker is None:
        return {}
    actions: List[Text] = []
    parse: Dict[Text, Any] = {}
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            parse = event.parse_data or {}
            break
        if isinstance(event, ActionExecuted) and event.action_name != "action_listen":
            actions.append(event.action_name)
    intent = parse.get("intent") or {}
    return {
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "ranking": [
            {"name": item.get("name"), "confidence": item.get("confidence")}
            for item in (parse.get("intent_ranking") or [])[:5]
        ],
        "entities": [
            {key: entity.get(key) for key in ("entity", "value", "start", "end", "confidence_entity")}
            for entity in parse.get("entities") or []
        ],
        "response_selector": _selector_summary(parse.get("response_selector") or {}),
        "actions": list(reversed(actions)),
    }


def _selector_summary(selector: Dict[Text, Any]) -> Dict[Text, Any]:
    summary = {}
    for key, value in selector.items():
        if key == "all_retrieval_intents" or not isinstance(value, dict):
            continue
        chosen = value.get("response") or {}
        summary[key] = {"key": chosen.get("intent_response_key"), "confidence": chosen.get("confidence")}
    return summary
