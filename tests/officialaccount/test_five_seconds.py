"""WeChat's 5-second rule against a bot that takes 6 s: `success` in time, the reply once by custom/send, a push
retried three times still one bot turn; and a turn whose web process died is finished by the worker."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select, update

from backend.conversations.models import ChatTurn
from backend.core.models import utcnow
from backend.extensions import db
from backend.officialaccount import flows
from backend.officialaccount.models import InboundMessage
from backend.outbox.delivery import deliver_due
from backend.outbox.models import OutboxMessage
from tests.officialaccount.conftest import OPENID, fixture, reply_wait, wait_for

BOT_SECONDS = 6.0
EXPECTED = "您好，我是小助手，已收到：身份证丢了怎么补办"


def _custom(fake_wechat, count: int = 1) -> list[dict]:
    return wait_for(lambda: (lambda items: items if len(items) >= count else [])(fake_wechat.custom_messages()),
                    timeout=BOT_SECONDS + 10) or fake_wechat.custom_messages()


def test_a_slow_reply_is_answered_success_within_a_second_and_arrives_once_by_custom_send(
        oa_app, pusher, fake_rasa, fake_wechat):
    # The default window: the answer must not wait for the bot.
    assert oa_app.config["SETTINGS"].wechat_oa_reply_wait == 0.9
    fake_rasa.delay = BOT_SECONDS
    answers = [pusher.push(fixture("text")) for _ in range(3)]  # WeChat's three tries of one MsgId
    for response, took, reply in answers:
        assert response.get_data(as_text=True) == "success" and reply is None
        assert took < 1.0, took
    messages = _custom(fake_wechat)
    assert messages == [{"touser": OPENID, "msgtype": "text", "text": {"content": EXPECTED}}]
    time.sleep(1.0)  # nothing else follows
    assert len(fake_wechat.custom_messages()) == 1
    assert len(fake_rasa.calls) == 1
    with oa_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChatTurn)) == 1
        assert db.session.scalar(select(InboundMessage.state)) == "deferred"
        kinds = dict(db.session.execute(select(OutboxMessage.kind, OutboxMessage.status)).all())
        assert kinds == {flows.TURN_KIND: "sent", flows.SEND_KIND: "sent"}


def test_with_the_longest_window_the_request_is_released_before_wechat_gives_up(oa_app, pusher, fake_rasa,
                                                                               fake_wechat):
    reply_wait(oa_app, 4.0)
    fake_rasa.delay = BOT_SECONDS
    response, took, reply = pusher.push(fixture("text"))
    assert response.get_data(as_text=True) == "success"
    assert 3.9 <= took < 4.5, took
    assert [m["text"]["content"] for m in _custom(fake_wechat)] == [EXPECTED]


def test_a_bot_within_the_window_is_answered_passively_and_sends_nothing_else(oa_app, pusher, fake_rasa,
                                                                              fake_wechat):
    fake_rasa.delay = 0.3
    _, took, reply = pusher.push(fixture("text"))
    assert reply["Content"] == EXPECTED and 0.3 <= took < 0.9
    time.sleep(0.5)
    assert fake_wechat.custom_messages() == []


class _DeadProcess:
    """Turn threads of a web process that died right after answering `success`: the turn never runs there."""

    def submit(self, *args, **kwargs):
        return None


def test_a_turn_whose_process_died_is_finished_by_the_worker_and_answered_once(oa_app, pusher, fake_rasa,
                                                                              fake_wechat):
    reply_wait(oa_app, 0.2)
    threads = oa_app.extensions.get("wechat_oa_turns")
    oa_app.extensions["wechat_oa_turns"] = _DeadProcess()
    try:
        response, _, _ = pusher.push(fixture("text"))
    finally:
        oa_app.extensions["wechat_oa_turns"] = threads
    assert response.get_data(as_text=True) == "success" and fake_rasa.calls == []
    with oa_app.app_context():
        standby = db.session.scalars(select(OutboxMessage)).one()
        assert (standby.kind, standby.status) == (flows.TURN_KIND, "pending")
        # Not due before the web process could still be working on it…
        assert standby.next_attempt_at > utcnow() + timedelta(seconds=50)
        assert deliver_due().claimed == 0
        # …and due once that time has passed: the worker runs the turn and sends the reply.
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
        report = deliver_due()
        assert len(report.sent) == 2  # the turn, then the reply it queued
    assert [m["text"]["content"] for m in fake_wechat.custom_messages()] == [EXPECTED]
    # WeChat retrying the push now changes nothing.
    response, _, _ = pusher.push(fixture("text"))
    assert response.get_data(as_text=True) == "success"
    assert len(fake_rasa.calls) == 1 and len(fake_wechat.custom_messages()) == 1


def test_a_reply_wechat_refuses_for_good_is_not_retried(oa_app, pusher, fake_rasa, fake_wechat):
    reply_wait(oa_app, 0.2)
    fake_rasa.delay = 0.5
    fake_wechat.refuse(OPENID)  # the follower has not written for 48 hours: 45015
    pusher.push(fixture("text"))
    with oa_app.app_context():
        status = wait_for(lambda: db.session.scalar(select(OutboxMessage.status).where(
            OutboxMessage.kind == flows.SEND_KIND).execution_options(populate_existing=True)) == "failed"
            or db.session.rollback(), timeout=10)
        assert status
    assert fake_wechat.custom_messages() == []
