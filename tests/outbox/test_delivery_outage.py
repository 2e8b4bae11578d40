"""Delivery across a lost database connection: the worker keeps the outcome of a send until it can record it."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, select, text

from backend.extensions import db
from backend.outbox import handlers
from backend.outbox.delivery import deliver_due
from backend.outbox.models import OutboxMessage
from backend.outbox.service import enqueue
from backend.residents.models import Resident

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="a server-side disconnect needs a PostgreSQL server")


def test_a_send_whose_outcome_hits_a_dropped_connection_is_recorded_once_the_database_answers(
        committed_app, fake_wechat, monkeypatch):
    send = handlers._HANDLERS["wechat_subscribe"]
    terminated = []

    def send_then_lose_the_connection(payload, message):
        send(payload, message)
        # The server drops the worker's connection (a restart) between the send and its record.
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        admin = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            terminated.append(conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}))
        admin.dispose()

    monkeypatch.setitem(handlers._HANDLERS, "wechat_subscribe", send_then_lose_the_connection)
    with committed_app.app_context():
        resident = Resident(openid="o-outage-1")
        db.session.add(resident)
        db.session.commit()
        message = enqueue(kind="wechat_subscribe", dedupe_key="outage:1", payload={
            "resident_id": resident.id, "template": "petition_update", "data": {"thing1": "路灯不亮"},
            "page": "pages/petitions/detail?id=1"})
        db.session.commit()
        message_id = message.id
        assert deliver_due().sent == [message_id]
        status = db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message_id))
    assert terminated == [True]
    assert status == "sent"
    assert len(fake_wechat.messages()) == 1
