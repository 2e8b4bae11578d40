"""Answering a push once: at once when no bot is needed; for text, the bot's reply passively when it comes within
the reply window, else `success` now and the reply later as a customer-service message (WeChat's 5-second rule).

Every bot turn is written to the outbox (kind wechat_oa_turn, due RESUME_AFTER later) in the same commit as the
push itself, before the bot is asked. The web process settles that message when it has answered (passively, or by
queueing the customer-service message); if the process dies first, the worker finds the message due and runs the
turn itself. Settling and the worker's claim are the same conditional UPDATE, so exactly one of them answers.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import current_app

from backend.conversations.flows import chat
from backend.core.models import utcnow
from backend.extensions import db
from backend.officialaccount import replies as reply_format
from backend.officialaccount import service, texts
from backend.officialaccount.protocol import Incoming
from backend.outbox import delivery
from backend.outbox import service as outbox
from backend.residents import service as residents

log = logging.getLogger(__name__)

TURN_KIND = "wechat_oa_turn"
SEND_KIND = "wechat_oa_send"
# Bot turns running at once per process; more wait in the queue (and are answered by custom/send).
TURN_THREADS = 8
RESUME_AFTER_MIN_SECONDS = 60
_executor_lock = threading.Lock()


def answer(incoming: Incoming, *, started: float) -> str | None:
    """The passive reply's text for a push, or None to answer `success`; a push WeChat retries is answered once."""
    resident_id = service.resident_for(openid=incoming.openid)
    message = service.claim(incoming=incoming)
    if message is None:
        db.session.rollback()
        first = service.get_by_key(dedupe_key=incoming.dedupe_key)
        # Answered passively before, but WeChat did not get it: the same answer. Otherwise the first delivery
        # is still being answered, or its reply goes by customer-service message.
        return first.reply if first is not None and first.state == "answered" else None
    text = bot_text(incoming)
    message_id = message.id
    if text is None:
        reply = _answer_directly(incoming, residents.get(resident_id=resident_id))
        service.mark(message_id=message_id, state="answered" if reply else "silent", reply=reply)
        db.session.commit()
        return reply
    return _ask_bot(message_id, resident_id, incoming.openid, text, started)


def bot_text(incoming: Incoming) -> str | None:
    """What the follower says to the bot with this push, or None when the account answers it by itself."""
    if incoming.msg_type == "text":
        return incoming.text or ""
    if incoming.msg_type == "voice":
        return incoming.text or None  # WeChat's speech recognition; nothing recognised is answered directly
    if incoming.msg_type == "event" and incoming.event == "click":
        return texts.MENU_KEYS.get(incoming.event_key or "")
    return None


def _answer_directly(incoming: Incoming, resident) -> str | None:
    kind = incoming.event if incoming.msg_type == "event" else incoming.msg_type
    if kind in ("subscribe", "click"):  # a click on the help button, or on a key this release does not know
        return texts.WELCOME
    if kind == "location":
        street = service.set_street(resident=resident, latitude=incoming.latitude, longitude=incoming.longitude)
        if incoming.msg_type == "event":
            return None  # reported in the background when the follower opens the chat: set silently
        return texts.street_set(street.name) if street is not None else texts.OUTSIDE_COUNTY
    if kind == "image":
        service.keep_image(resident_id=resident.id, incoming=incoming)
        return texts.IMAGE_KEPT
    if kind == "voice":
        return texts.VOICE_NOT_RECOGNISED
    if incoming.msg_type == "event":
        return None  # unsubscribe, view, scan…: nothing to say
    return texts.UNSUPPORTED


class _Turn:
    """One bot turn handed from the request thread to a turn thread; whoever decides first, under the lock, decides
    whether the reply is passive (the request is still waiting) or goes by customer-service message."""

    def __init__(self, *, inbound_id: int, outbox_id: int, resident_id: int, openid: str, text: str):
        self.inbound_id, self.outbox_id = inbound_id, outbox_id
        self.resident_id, self.openid, self.text = resident_id, openid, text
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._state = "waiting"
        self.replies: list[dict] | None = None

    def finish(self, replies: list[dict] | None) -> bool:
        """Hands the replies to the waiting request; False when it stopped waiting (or there are none)."""
        with self._lock:
            if self._state != "waiting":
                return False
            self._state = "answered" if replies is not None else "failed"
            self.replies = replies
            self._done.set()
            return replies is not None

    def wait(self, timeout: float) -> list[dict] | None:
        """The replies if they come within timeout; afterwards the turn thread sends them itself."""
        self._done.wait(max(timeout, 0.0))
        with self._lock:
            if self._state == "answered":
                return self.replies
            self._state = "abandoned"
            return None


def resume_after(settings) -> timedelta:
    """How long a bot turn's outbox message stands by before the worker takes it over: well past the longest the
    web process can take (Rasa's timeout, twice over, and the reply window)."""
    seconds = max(RESUME_AFTER_MIN_SECONDS, 2 * settings.rasa_timeout + settings.wechat_oa_reply_wait + 10)
    return timedelta(seconds=seconds)


def _ask_bot(inbound_id: int, resident_id: int, openid: str, text: str, started: float) -> str | None:
    app = current_app._get_current_object()
    settings = app.config["SETTINGS"]
    standby = outbox.enqueue(kind=TURN_KIND, dedupe_key=f"oa:turn:{inbound_id}", new=True, payload={
        "inbound_id": inbound_id, "resident_id": resident_id, "openid": openid, "text": text})
    standby.next_attempt_at = utcnow() + resume_after(settings)
    db.session.flush()
    standby_id = standby.id
    db.session.commit()
    turn = _Turn(inbound_id=inbound_id, outbox_id=standby_id, resident_id=resident_id, openid=openid, text=text)
    _turn_threads(app).submit(_run_turn, app, turn)
    replies = turn.wait(started + settings.wechat_oa_reply_wait - time.monotonic())
    if replies is None:
        return None
    reply = reply_format.to_text(replies, miniprogram_appid=settings.wechat_appid)
    if not outbox.settle(standby_id):
        db.session.rollback()
        return None  # the worker took the turn over (this process was stalled for a minute): it answers
    service.mark(message_id=inbound_id, state="answered", reply=reply)
    db.session.commit()
    return reply


def _turn_threads(app) -> ThreadPoolExecutor:
    # Made on first use, in the serving process (never at import, never before gunicorn forks).
    with _executor_lock:
        executor = app.extensions.get("wechat_oa_turns")
        if executor is None:
            executor = app.extensions["wechat_oa_turns"] = ThreadPoolExecutor(TURN_THREADS, "oa-turn")
        return executor


def _run_turn(app, turn: _Turn) -> None:
    with app.app_context():
        try:
            body = chat(resident_id=turn.resident_id, text=turn.text)
        except Exception:  # noqa: BLE001 — the standby message stays pending: the worker runs the turn again
            log.exception("official account: bot turn for inbound %s failed", turn.inbound_id)
            turn.finish(None)
            db.session.rollback()
            db.session.remove()
            return
        try:
            if turn.finish(body["replies"]):
                return
            message_id = queue_reply(inbound_id=turn.inbound_id, openid=turn.openid, replies=body["replies"],
                                     standby_id=turn.outbox_id)
            if message_id is not None:
                # The follower has waited long enough: send now rather than at the worker's next sweep.
                delivery.deliver_now(message_id)
        except Exception:  # noqa: BLE001 — what was committed is delivered by the worker
            log.exception("official account: late reply for inbound %s not sent at once", turn.inbound_id)
            db.session.rollback()
        finally:
            db.session.remove()


def queue_reply(*, inbound_id: int, openid: str, replies: list[dict], standby_id: int | None) -> int | None:
    """Queues the bot's replies as one customer-service message and commits; returns its outbox id, or None when
    the standby message was taken over by the worker (which answers instead)."""
    if standby_id is not None and not outbox.settle(standby_id):
        db.session.rollback()
        return None
    content = reply_format.to_text(replies, miniprogram_appid=current_app.config["SETTINGS"].wechat_appid)
    message = outbox.enqueue(kind=SEND_KIND, dedupe_key=f"oa:reply:{inbound_id}",
                             payload={"openid": openid, "content": content})
    service.mark(message_id=inbound_id, state="deferred")
    db.session.flush()
    message_id = message.id
    db.session.commit()
    return message_id
