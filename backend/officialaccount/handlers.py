"""Outbox handlers of the official account: a bot turn the web process did not finish, and a customer-service
message carrying a reply that came after the reply window."""

from __future__ import annotations

from backend.conversations.flows import chat
from backend.officialaccount import flows
from backend.outbox.handlers import PermanentFailure, register_handler
from backend.outbox.models import OutboxMessage


# Repeatable: a turn interrupted by a crash is run again, and its reply is queued once (keyed by the push).
@register_handler(flows.TURN_KIND, repeatable=True)
def resume_turn(payload: dict, message: OutboxMessage) -> None:
    """payload {"inbound_id", "resident_id", "openid", "text"} → the bot's reply, queued as a customer-service
    message (once per push: the reply's dedupe key is the push's)."""
    inbound_id, resident_id = payload.get("inbound_id"), payload.get("resident_id")
    openid, text = payload.get("openid"), payload.get("text")
    if not all(isinstance(v, int) for v in (inbound_id, resident_id)) or not isinstance(openid, str) \
            or not isinstance(text, str):
        raise PermanentFailure("payload needs inbound_id, resident_id (int), openid and text (str)")
    body = chat(resident_id=resident_id, text=text)
    flows.queue_reply(inbound_id=inbound_id, openid=openid, replies=body["replies"], standby_id=None)


@register_handler(flows.SEND_KIND)
def send_reply(payload: dict, message: OutboxMessage) -> None:
    """payload {"openid", "content"} → a customer-service text message (message/custom/send)."""
    from integrations.wechat import WeChatError
    from integrations.wechat.official import get_official_account

    openid, content = payload.get("openid"), payload.get("content")
    if not isinstance(openid, str) or not openid or not isinstance(content, str) or not content:
        raise PermanentFailure("payload needs openid and content (non-empty strings)")
    try:
        get_official_account().send_text(openid, content)
    except WeChatError as exc:
        if exc.permanent:
            raise PermanentFailure(str(exc)) from exc
        raise
