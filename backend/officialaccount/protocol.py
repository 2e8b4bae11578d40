"""WeChat's server-to-server protocol of the official account: signatures, safe-mode crypto, message XML."""

from __future__ import annotations

import time
from dataclasses import dataclass

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import create_reply
from wechatpy.utils import check_signature

# WeChat's pushes are a few hundred bytes; anything this large is not from WeChat.
MAX_BODY_BYTES = 64 * 1024
# A passive text reply and a customer-service text may hold at most 2048 bytes.
MAX_TEXT_BYTES = 2000
MAX_OPENID = 64
MAX_TEXT_CHARS = 2000
SUCCESS = "success"


class BadSignature(Exception):
    """The request was not signed with our token (or not encrypted with our key): not from WeChat."""


class BadMessage(Exception):
    """The body is not a message WeChat would send."""


@dataclass(frozen=True)
class Incoming:
    """One pushed message or event, its fields checked."""

    openid: str
    account: str
    msg_type: str
    create_time: int
    msg_id: str | None = None
    event: str | None = None
    text: str | None = None
    event_key: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    label: str | None = None
    media_id: str | None = None
    pic_url: str | None = None
    parsed: object = None  # wechatpy's message, for wechatpy's reply helpers

    @property
    def dedupe_key(self) -> str:
        """What stays the same across WeChat's retries of this push."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"event:{self.openid}:{self.create_time}:{self.event or self.msg_type}"[:128]


def _signed(args, token: str) -> None:
    signature, timestamp, nonce = args.get("signature"), args.get("timestamp"), args.get("nonce")
    if not (signature and timestamp and nonce):
        raise BadSignature("signature, timestamp and nonce are required")
    try:
        check_signature(token, signature, timestamp, nonce)
    except InvalidSignatureException as exc:
        raise BadSignature("bad signature") from exc


def verify_echo(args, token: str) -> str:
    """The echostr of WeChat's server-configuration check, once its signature is right."""
    _signed(args, token)
    return args.get("echostr", "")


def crypto_for(settings) -> WeChatCrypto:
    """The safe-mode cipher of the configured account."""
    return WeChatCrypto(settings.wechat_oa_token, settings.wechat_oa_aes_key, settings.wechat_oa_appid)


def open_body(args, body: bytes, settings) -> tuple[str, WeChatCrypto | None]:
    """The message XML of a push, decrypted in safe and compatible mode (encrypt_type=aes); and the cipher to
    encrypt the reply with (None in plain mode)."""
    _signed(args, settings.wechat_oa_token)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadMessage("not UTF-8") from exc
    if args.get("encrypt_type", "raw") != "aes":
        return text, None
    msg_signature = args.get("msg_signature")
    if not msg_signature:
        raise BadSignature("msg_signature is required in safe mode")
    crypto = crypto_for(settings)
    try:
        return crypto.decrypt_message(text, msg_signature, args["timestamp"], args["nonce"]), crypto
    except (InvalidSignatureException, InvalidAppIdException) as exc:
        raise BadSignature(exc.__class__.__name__) from exc
    except Exception as exc:  # noqa: BLE001 — wechatpy lets XML, base64, padding and key errors through as they are
        raise BadMessage(f"cannot decrypt: {exc.__class__.__name__}") from exc


def read(xml: str) -> Incoming:
    """Parses a pushed message with wechatpy and checks the fields we use."""
    try:
        message = parse_message(xml)
        raw = message._data if message is not None else None
    except Exception as exc:  # noqa: BLE001 — xmltodict and wechatpy raise whatever the input provokes
        raise BadMessage(f"not a WeChat message: {exc.__class__.__name__}") from exc
    if not isinstance(raw, dict):
        raise BadMessage("empty body")
    msg_type = _string(raw, "MsgType", 32, required=True).lower()
    openid = _string(raw, "FromUserName", MAX_OPENID, required=True)
    if not openid.isascii() or not openid.isprintable():
        raise BadMessage("FromUserName is not an openid")
    fields = {
        "openid": openid, "account": _string(raw, "ToUserName", 64, required=True), "msg_type": msg_type,
        "create_time": _integer(raw, "CreateTime", required=True), "parsed": message,
    }
    msg_id = _integer(raw, "MsgId")
    fields["msg_id"] = str(msg_id) if msg_id else None
    if msg_type == "event":
        fields["event"] = _string(raw, "Event", 32, required=True).lower()
        fields["event_key"] = _string(raw, "EventKey", 128)
        if fields["event"] == "location":
            fields["latitude"] = _coordinate(raw, "Latitude", 90)
            fields["longitude"] = _coordinate(raw, "Longitude", 180)
    elif msg_type == "text":
        fields["text"] = _string(raw, "Content", MAX_TEXT_CHARS, cut=True) or ""
    elif msg_type == "voice":
        fields["text"] = _string(raw, "Recognition", MAX_TEXT_CHARS, cut=True) or ""
        fields["media_id"] = _string(raw, "MediaId", 128)
    elif msg_type == "image":
        fields["media_id"] = _string(raw, "MediaId", 128, required=True)
        fields["pic_url"] = _string(raw, "PicUrl", 1000) or ""
    elif msg_type == "location":
        fields["latitude"] = _coordinate(raw, "Location_X", 90)
        fields["longitude"] = _coordinate(raw, "Location_Y", 180)
        fields["label"] = _string(raw, "Label", 200, cut=True)
    return Incoming(**fields)


def _string(raw: dict, name: str, limit: int, *, required: bool = False, cut: bool = False) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise BadMessage(f"{name} is missing")
        return None
    if not isinstance(value, str):
        raise BadMessage(f"{name} is not text")
    if len(value) > limit:
        if not cut:
            raise BadMessage(f"{name} is too long")
        value = value[:limit]
    return value


def _integer(raw: dict, name: str, *, required: bool = False) -> int | None:
    value = _string(raw, name, 20, required=required)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit():
        raise BadMessage(f"{name} is not a number")
    return int(value)


def _coordinate(raw: dict, name: str, limit: float) -> float:
    value = _string(raw, name, 32, required=True)
    try:
        number = float(value)
    except ValueError as exc:
        raise BadMessage(f"{name} is not a number") from exc
    if not -limit <= number <= limit:  # also refuses nan and inf
        raise BadMessage(f"{name} is out of range")
    return number


def render(text: str | None, incoming: Incoming, crypto: WeChatCrypto | None, nonce: str | None) -> str:
    """The HTTP body answering a push: `success` for no reply, else a text reply (encrypted in safe mode)."""
    if not text:
        return SUCCESS
    xml = create_reply(fit(text), incoming.parsed, render=True)
    if crypto is None:
        return xml
    return crypto.encrypt_message(xml, nonce or "", str(int(time.time())))


def fit(text: str, limit: int = MAX_TEXT_BYTES) -> str:
    """Cuts a text to what WeChat accepts in one text message (bytes of UTF-8), on a character boundary."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", "ignore") + "…"
