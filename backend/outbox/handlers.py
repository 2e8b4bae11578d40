"""How each kind of outbox message is delivered; handlers raise PermanentFailure when retrying is pointless."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import current_app

from backend.outbox.models import OutboxMessage

# handler(payload, message): the message (its id, dedupe_key) lets a handler that writes make itself idempotent.
Handler = Callable[[dict, OutboxMessage], None]
_HANDLERS: dict[str, Handler] = {}
# Kinds whose delivery may safely run twice (the handler makes itself idempotent); the others go out to a
# service that would repeat them, so a send interrupted by a crash is not repeated.
_REPEATABLE: set[str] = set()

# Subscription templates by the names callers use; the ids are deployment settings.
TEMPLATE_SETTINGS = {"petition_update": "wechat_template_id", "activity_update": "wechat_activity_template_id",
                     "emergency_alert": "wechat_alert_template_id"}
# WeChat rejects values longer than these per keyword type (errcode 47003).
VALUE_LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32, "letter": 32,
                "car_number": 8, "phone_number": 17}
THING_MAX = VALUE_LIMITS["thing"]
PHRASE = re.compile(rf"[\u4e00-\u9fff]{{1,{VALUE_LIMITS['phrase']}}}")


class PermanentFailure(Exception):
    """The message can never be delivered (refused, unknown resident, bad payload)."""


def register_handler(kind: str, *, repeatable: bool = False) -> Callable[[Handler], Handler]:
    """Registers the delivery function of a message kind; repeatable = running it twice does no harm."""

    def decorator(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        (_REPEATABLE.add if repeatable else _REPEATABLE.discard)(kind)
        return func

    return decorator


def repeatable(kind: str) -> bool:
    """True when a delivery of this kind may be repeated after a crash in the middle of it."""
    return kind in _REPEATABLE


def handle(message: OutboxMessage) -> None:
    """Delivers one message with its kind's handler."""
    handler = _HANDLERS.get(message.kind)
    if handler is None:
        # Possibly written by a newer release during a rolling deploy: retry rather than drop it.
        raise LookupError(f"no handler for outbox kind {message.kind!r}")
    if not isinstance(message.payload, dict):
        raise PermanentFailure("payload is not an object")
    handler(message.payload, message)


def _template_data(data: dict, keywords: dict) -> dict:
    """{"status_label": "已受理"} → WeChat's {"phrase2": {"value": "已受理"}}, cut to the keyword's limit.

    A phrase is never cut: a sliced status ("已答复待评价" → "已答复待评") misinforms the resident, so a value
    that is not 1–5 Chinese characters is a permanent failure (callers send deliberate phrases:
    backend.petitions.states.NOTICE_PHRASES).
    """
    shaped = {}
    for name, value in data.items():
        key = keywords.get(name, name)
        text = str(value.get("value", "")) if isinstance(value, dict) else str(value)
        kind = key.rstrip("0123456789")
        limit = VALUE_LIMITS.get(kind)
        if kind == "phrase" and not is_phrase(text):
            raise PermanentFailure(f"{key} must be 1–{limit} Chinese characters, got {text!r}")
        if limit and len(text) > limit:
            text = text[: limit - 1] + "…" if kind == "thing" else text[:limit]
        shaped[key] = {"value": text}
    return shaped


def is_phrase(text: str) -> bool:
    """True when WeChat accepts the text as a `phrase` value: 1–5 Chinese characters and nothing else."""
    return bool(PHRASE.fullmatch(text))


@register_handler("wechat_subscribe")
def send_wechat_subscribe(payload: dict, message: OutboxMessage) -> None:
    """payload {"resident_id", "template", "data", "page"} → a subscription message to that resident."""
    resident_id, template, data = payload.get("resident_id"), payload.get("template"), payload.get("data")
    if not isinstance(resident_id, int) or not isinstance(data, dict):
        raise PermanentFailure("payload needs resident_id (int) and data (object)")
    send_subscription(resident_id=resident_id, template=template, data=data, page=payload.get("page"))


def send_subscription(*, resident_id: int, template: str, data: dict, page: str | None) -> None:
    """Sends one subscription message of a named template to a resident; PermanentFailure when it never can be."""
    from backend.residents import service as residents
    from integrations.wechat import WeChatError, defaults, get_gateway

    setting = TEMPLATE_SETTINGS.get(template)
    if setting is None:
        raise PermanentFailure(f"unknown template {template!r}")
    settings = current_app.config["SETTINGS"]
    template_id = getattr(settings, setting)
    if not template_id:
        raise PermanentFailure(f"template {template!r} is not configured")
    openid = residents.openid_of(resident_id)
    if openid is None:
        raise PermanentFailure(f"resident {resident_id} no longer exists")
    keywords = {**_default_keywords(defaults), **settings.wechat_template_fields}
    shaped = _template_data(data, keywords)
    try:
        get_gateway().send_subscribe_message(openid, template_id, shaped, page)
    except WeChatError as exc:
        if exc.permanent:
            raise PermanentFailure(str(exc)) from exc
        raise


def _default_keywords(defaults) -> dict:
    pairs = {}
    for spec in (defaults.ACTIVITY_TEMPLATE_FIELDS, defaults.ALERT_TEMPLATE_FIELDS):
        pairs.update(item.split("=", 1) for item in spec.split(","))
    return pairs


@register_handler("emergency_alert")
def send_emergency_alert(payload: dict, message: OutboxMessage) -> None:
    """payload {"alert_id", "version", "resident_id"} → the alert's subscription message to that resident."""
    from backend.alerts import flows as alerts

    try:
        shaped = alerts.subscription(payload)
    except LookupError as exc:
        raise PermanentFailure(str(exc)) from exc
    send_subscription(resident_id=shaped["resident_id"], template=shaped["template"], data=shaped["data"],
                      page=shaped["page"])


@register_handler("staff_alert", repeatable=True)
def deliver_staff_alert(payload: dict, message: OutboxMessage) -> None:
    """payload {"role", "kind", "message", "petition_id"?, "department_id"?} → the addressed staff's inboxes.

    Addressed: active staff of `role`, plus the active clerks of `department_id` when set. Idempotent per
    recipient and dedupe_key, so a run repeated after a crash adds nothing.
    """
    from backend.core.security import STAFF_ROLES
    from backend.notifications import service as notifications

    role, kind, text = payload.get("role"), payload.get("kind"), payload.get("message")
    petition_id, department_id = payload.get("petition_id"), payload.get("department_id")
    if role not in STAFF_ROLES:
        raise PermanentFailure(f"unknown role {role!r}")
    if not isinstance(kind, str) or not kind or not isinstance(text, str) or not text.strip():
        raise PermanentFailure("payload needs kind and message (non-empty strings)")
    for name, value in (("petition_id", petition_id), ("department_id", department_id)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise PermanentFailure(f"{name} must be an integer")
    try:
        notifications.deliver_alert(role=role, kind=kind[:32], message=text.strip(), source_key=message.dedupe_key,
                                    petition_id=petition_id, department_id=department_id)
    except LookupError as exc:
        raise PermanentFailure(str(exc)) from exc
