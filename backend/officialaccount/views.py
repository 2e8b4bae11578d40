"""/wechat/official: the official account's server URL (plain Flask: XML, not part of the JSON API document)."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, request
from flask_smorest import abort

from backend.officialaccount import (
    flows,
    handlers,  # noqa: F401  (registers the outbox kinds it delivers)
    protocol,
)

blp = Blueprint("wechat_official", __name__, url_prefix="/wechat/official")
# WeChat signs each request with a timestamp; one far from now is a replay of a captured request.
MAX_CLOCK_SKEW_SECONDS = 300


def _check_fresh() -> None:
    timestamp = request.args.get("timestamp", "")
    if not timestamp.isascii() or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        abort(403, message="签名时间无效")


@blp.get("")
def verify():
    """WeChat's check of the server URL: echo echostr when the signature is ours."""
    try:
        echo = protocol.verify_echo(request.args, current_app.config["SETTINGS"].wechat_oa_token)
    except protocol.BadSignature:
        abort(403, message="签名校验失败")
    _check_fresh()
    return Response(echo, mimetype="text/plain")


@blp.post("")
def receive():
    """A message or event pushed by WeChat, in plain, compatible or safe mode; answered within the reply window."""
    started = time.monotonic()
    if (request.content_length or 0) > protocol.MAX_BODY_BYTES:
        abort(413, message="消息过大")
    body = request.stream.read(protocol.MAX_BODY_BYTES + 1)
    if len(body) > protocol.MAX_BODY_BYTES:
        abort(413, message="消息过大")
    try:
        xml, crypto = protocol.open_body(request.args, body, current_app.config["SETTINGS"])
        _check_fresh()
        incoming = protocol.read(xml)
    except protocol.BadSignature:
        abort(403, message="签名校验失败")
    except protocol.BadMessage:
        abort(400, message="消息格式不正确")
    text = flows.answer(incoming, started=started)
    body = protocol.render(text, incoming, crypto, request.args.get("nonce"))
    return Response(body, mimetype="text/plain" if body == protocol.SUCCESS else "application/xml")
