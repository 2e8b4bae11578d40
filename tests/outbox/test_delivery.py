"""Delivering outbox messages through the fake WeChat server: sent, retried, failed."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from backend.core.models import utcnow
from backend.extensions import db
from backend.outbox import handlers
from backend.outbox.delivery import deliver_due
from backend.outbox.models import OutboxMessage
from backend.outbox.service import enqueue
from backend.residents.models import Resident
from integrations.wechat import WeChatError, get_gateway

PAGE = "pages/petitions/detail?id=7"


@pytest.fixture
def resident_id(app):
    with app.app_context():
        resident = Resident(openid="o-outbox-1")
        db.session.add(resident)
        db.session.commit()
        return resident.id


def _notify(resident, key="petition:7:accepted", **payload):
    body = {"resident_id": resident, "template": "petition_update",
            "data": {"thing1": "路灯不亮", "phrase2": {"value": "已受理"}}, "page": PAGE, **payload}
    message = enqueue(kind="wechat_subscribe", payload=body, dedupe_key=key)
    db.session.commit()
    return message.id


def _message(message_id) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_enqueue_is_idempotent_per_dedupe_key(app, resident_id):
    with app.app_context():
        first = _notify(resident_id)
        second = _notify(resident_id)
        assert first == second
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 1


def test_a_due_message_is_sent_once_and_marked_sent(app, resident_id, fake_wechat):
    with app.app_context():
        message_id = _notify(resident_id)
        report = deliver_due()
        assert report.sent == [message_id]
        assert deliver_due().claimed == 0
        message = _message(message_id)
        assert (message.status, message.attempts, message.last_error) == ("sent", 1, None)
        assert message.sent_at is not None and message.locked_until is None
        template_id = app.config["SETTINGS"].wechat_template_id
    assert fake_wechat.messages() == [{
        "touser": "o-outbox-1", "template_id": template_id, "page": PAGE,
        "data": {"thing1": {"value": "路灯不亮"}, "phrase2": {"value": "已受理"}},
    }]


def test_wechat_failures_are_retried_with_exponential_backoff(app, resident_id, fake_wechat):
    base = app.config["SETTINGS"].outbox_retry_seconds
    with app.app_context():
        message_id = _notify(resident_id)
        fake_wechat.fail_next_sends(2)
        before = utcnow()
        assert deliver_due().retried == [message_id]
        message = _message(message_id)
        assert (message.status, message.attempts) == ("pending", 1)
        assert "WeChatUnavailable" in message.last_error
        first_delay = (message.next_attempt_at - before).total_seconds()
        assert base * 0.9 - 1 <= first_delay <= base * 1.1 + 1
        assert deliver_due().claimed == 0  # not due yet
        _make_due(message_id)
        assert deliver_due().retried == [message_id]
        message = _message(message_id)
        second_delay = (message.next_attempt_at - utcnow()).total_seconds()
        assert base * 2 * 0.9 - 2 <= second_delay <= base * 2 * 1.1
        _make_due(message_id)
        assert deliver_due().sent == [message_id]
        assert (_message(message_id).attempts, _message(message_id).last_error) == (3, None)
    assert len(fake_wechat.messages()) == 1


def _make_due(message_id):
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_a_message_fails_for_good_after_max_attempts(app, resident_id, fake_wechat):
    max_attempts = app.config["SETTINGS"].outbox_max_attempts
    with app.app_context():
        message_id = _notify(resident_id)
        db.session.execute(update(OutboxMessage).values(attempts=max_attempts - 1))
        db.session.commit()
        fake_wechat.fail_next_sends(1)
        assert deliver_due().failed == [message_id]
        message = _message(message_id)
        assert (message.status, message.attempts) == ("failed", max_attempts)
        assert "system error" in message.last_error


def test_a_refused_subscription_is_final_and_not_retried(app, resident_id, fake_wechat):
    fake_wechat.refuse("o-outbox-1")
    with app.app_context():
        message_id = _notify(resident_id)
        assert deliver_due().failed == [message_id]
        message = _message(message_id)
        assert (message.status, message.attempts) == ("failed", 1)
        assert "43101" in message.last_error
        _make_due(message_id)
        assert deliver_due().claimed == 0
    assert fake_wechat.state.send_attempts == 1


@pytest.mark.parametrize(("payload", "error"), [
    ({"template": "no_such_template"}, "unknown template"),
    ({"resident": 999_999}, "no longer exists"),
    ({"resident": "7"}, "resident_id"),
    ({"data": "已受理"}, "data"),
])
def test_undeliverable_payloads_fail_without_calling_wechat(app, resident_id, fake_wechat, payload, error):
    with app.app_context():
        message_id = _notify(**{"resident": resident_id, **payload})
        assert deliver_due().failed == [message_id]
        assert error in _message(message_id).last_error
    assert fake_wechat.state.send_attempts == 0


def test_unknown_kinds_wait_for_a_handler_instead_of_being_dropped(app):
    with app.app_context():
        message = enqueue(kind="future_kind", payload={}, dedupe_key="future:1")
        db.session.commit()
        assert deliver_due().retried == [message.id]
        assert _message(message.id).status == "pending"


def test_long_thing_values_are_cut_to_wechats_limit(app, resident_id, fake_wechat):
    with app.app_context():
        _notify(resident_id, data={"thing1": "小区门口的路灯已经连续三个晚上不亮了，请尽快维修"})
        deliver_due()
    value = fake_wechat.messages()[0]["data"]["thing1"]["value"]
    assert len(value) == handlers.THING_MAX and value.endswith("…")


def test_petition_data_names_become_the_templates_keywords(app, resident_id, fake_wechat):
    with app.app_context():
        _notify(resident_id, data={"number": "JN20261125-0007", "status_label": "已转办",
                                   "time": "2026-11-25 11:30", "remark": "已转交江宁区城市管理局处理，请耐心等待结果"})
        assert deliver_due().sent
    assert fake_wechat.messages()[0]["data"] == {
        "character_string1": {"value": "JN20261125-0007"}, "phrase2": {"value": "已转办"},
        "time3": {"value": "2026-11-25 11:30"}, "thing4": {"value": "已转交江宁区城市管理局处理，请耐心等待…"},
    }


@pytest.mark.parametrize("label", ["已答复待评价", "处理中（已转办）", "done", ""])
def test_a_status_that_is_not_a_phrase_fails_instead_of_being_sliced(app, resident_id, fake_wechat, label):
    with app.app_context():
        message_id = _notify(resident_id, data={"number": "JN20261125-0007", "status_label": label})
        assert deliver_due().failed == [message_id]
        assert "phrase2" in _message(message_id).last_error
    assert fake_wechat.state.send_attempts == 0


def test_the_fake_rejects_what_wechat_rejects(app, fake_wechat):
    with app.app_context():
        gateway = get_gateway()
        with pytest.raises(WeChatError) as raised:
            gateway.send_subscribe_message("o1", "tpl", {"thing1": {"value": "长" * 21}})
        assert raised.value.errcode == 47003 and raised.value.permanent


def test_a_message_whose_worker_died_is_claimed_again_after_its_lease(app, resident_id, fake_wechat):
    with app.app_context():
        message_id = _notify(resident_id)
        db.session.execute(update(OutboxMessage).values(status="sending", attempts=1,
                                                        locked_until=utcnow() + timedelta(minutes=5)))
        db.session.commit()
        assert deliver_due().claimed == 0  # another worker still holds it
        db.session.execute(update(OutboxMessage).values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert deliver_due().sent == [message_id]
        assert _message(message_id).attempts == 2


def test_a_send_interrupted_by_a_crash_is_failed_not_repeated(app, resident_id, fake_wechat):
    with app.app_context():
        tried, untried = _notify(resident_id, key="tried"), _notify(resident_id, key="untried")
        # A worker claimed both, handed the first to WeChat and died before it could record the outcome.
        db.session.execute(update(OutboxMessage).values(status="sending", attempts=1,
                                                        locked_until=utcnow() + timedelta(minutes=5)))
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == tried).values(status="delivering"))
        db.session.commit()
        assert deliver_due().claimed == 0  # its lease still runs
        db.session.execute(update(OutboxMessage).values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert deliver_due().sent == [untried]
        message = _message(tried)
        assert (message.status, message.locked_until, message.sent_at) == ("failed", None, None)
        assert "not repeated" in message.last_error
    assert len(fake_wechat.messages()) == 1


def test_a_delivery_is_marked_delivering_while_it_is_handed_over(app, resident_id, fake_wechat, monkeypatch):
    seen = []
    send = handlers._HANDLERS["wechat_subscribe"]

    def spy(payload, message):
        seen.append(db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message.id)))
        send(payload, message)

    monkeypatch.setitem(handlers._HANDLERS, "wechat_subscribe", spy)
    with app.app_context():
        message_id = _notify(resident_id)
        assert deliver_due().sent == [message_id]
    assert seen == ["delivering"]


def test_flask_outbox_drain(app, resident_id, fake_wechat):
    with app.app_context():
        _notify(resident_id, key="a")
        _notify(resident_id, key="b")
    result = app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert result.exit_code == 0, result.output
    assert "sent 2, retry later 0, failed 0" in result.output
    assert len(fake_wechat.messages()) == 2
