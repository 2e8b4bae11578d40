"""Emergency alert to 3 streets with 50,000 residents: how fast every message is queued, and whether all of
them are sent before routine messages queued earlier.

Run: `python -m bench.alerts [--residents 50000] [--routine 2000] [--drainers 4]`; with DATABASE_URL set it uses
a throw-away PostgreSQL database on that server (residents loaded with COPY), else a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from backend.alerts import service as alerts
from backend.app import create_app
from backend.core.models import utcnow
from backend.core.security import Principal
from backend.directory import seed as directory_seed
from backend.directory.models import Street
from backend.extensions import db
from backend.outbox.models import PRIORITY_ROUTINE, OutboxMessage
from backend.residents.models import Resident
from backend.settings import Settings
from bench.common import ROOT, drain_outbox, scratch_database
from integrations.wechat.fake_server import FakeWeChatServer

ALERT_STREETS = ("dongshan", "moling", "tangshan")


def _load_residents(count: int, elsewhere: int) -> None:
    """count residents spread over ALERT_STREETS and `elsewhere` in another street."""
    streets = dict(db.session.execute(select(Street.code, Street.id)).all())
    targets = [streets[code] for code in ALERT_STREETS]
    rows = [(f"bench-{i}", targets[i % len(targets)]) for i in range(count)]
    rows += [(f"bench-other-{i}", streets["qilin"]) for i in range(elsewhere)]
    now = utcnow()
    if db.engine.dialect.name == "postgresql":
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cursor, cursor.copy(
                    "COPY residents (openid, nickname, street_id, created_at, updated_at) FROM STDIN") as copy:
                for openid, street_id in rows:
                    copy.write_row((openid, "", street_id, now, now))
            raw.commit()
        finally:
            raw.close()
    else:
        db.session.execute(insert(Resident), [{"openid": o, "nickname": "", "street_id": s, "created_at": now,
                                               "updated_at": now} for o, s in rows])
        db.session.commit()


def _queue_routine(count: int) -> None:
    resident_id = db.session.scalar(select(Resident.id).where(Resident.openid == "bench-other-0"))
    now = utcnow()
    db.session.execute(insert(OutboxMessage), [{
        "kind": "wechat_subscribe", "dedupe_key": f"routine:{i}", "status": "pending", "attempts": 0,
        "priority": PRIORITY_ROUTINE, "next_attempt_at": now - timedelta(seconds=1), "created_at": now,
        "updated_at": now, "payload": {"resident_id": resident_id, "template": "petition_update",
                                       "data": {"remark": f"例行消息 {i}"}}} for i in range(count)])
    db.session.commit()


def main() -> None:
    """Prints the queueing rate, the send rates and where the routine messages came in the send order."""
    from flask_migrate import upgrade

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--routine", type=int, default=2_000)
    parser.add_argument("--drainers", type=int, default=4)
    args = parser.parse_args()
    with scratch_database() as url, FakeWeChatServer() as fake:
        app = create_app(Settings.from_env({"APP_ENV": "test", "SECRET_KEY": "bench-" + "x" * 40,
                                            "DATABASE_URL": url, "REDIS_URL": "", "WECHAT_API_BASE": fake.url}))
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            directory_seed.load()
            started = time.perf_counter()
            _load_residents(args.residents, 1_000)
            print(f"database: {make_url(url).get_backend_name()}; {args.residents} residents in "
                  f"{', '.join(ALERT_STREETS)} (+1000 elsewhere) loaded in {time.perf_counter() - started:.1f} s")
            _queue_routine(args.routine)
            supervisor = Principal("staff", None, "supervisor")
            started = time.perf_counter()
            alert = alerts.issue(actor=supervisor, data={
                "level": "red", "title": "暴雨红色预警", "text": "未来 3 小时特大暴雨，请勿外出。",
                "streets": list(ALERT_STREETS), "valid_until": utcnow() + timedelta(hours=6)})
            queued_in = time.perf_counter() - started
            queued = db.session.scalar(select(func.count(OutboxMessage.id)).where(
                OutboxMessage.dedupe_key.like(f"alert:{alert.id}:%")))
            print(f"alert queued: {queued} messages in {queued_in:.2f} s ({queued / queued_in:,.0f} messages/s), "
                  f"{args.routine} routine messages queued before it")
            alert_template = app.config["SETTINGS"].wechat_alert_template_id
            db.session.remove()
        seconds = drain_outbox(app, args.drainers, limit=100)
        received = fake.messages()
        is_alert = [m["template_id"] == alert_template for m in received]
        alert_count, routine_count = sum(is_alert), len(is_alert) - sum(is_alert)
        last_alert = max(i for i, flag in enumerate(is_alert) if flag)
        first_routine = min((i for i, flag in enumerate(is_alert) if not flag), default=len(is_alert))
        with app.app_context():
            alert_done = db.session.scalar(select(func.max(OutboxMessage.sent_at)).where(
                OutboxMessage.dedupe_key.like(f"alert:{alert.id}:%")))
            routine_start = db.session.scalar(select(func.min(OutboxMessage.sent_at)).where(
                OutboxMessage.dedupe_key.like("routine:%")))
            first_sent = db.session.scalar(select(func.min(OutboxMessage.sent_at)))
            db.engine.dispose()
        alert_seconds = (alert_done - first_sent).total_seconds()
        print(f"sent: {alert_count} alert + {routine_count} routine messages in {seconds:.1f} s with "
              f"{args.drainers} drainers ({len(received) / seconds:,.0f} messages/s overall; alerts "
              f"{alert_count / alert_seconds:,.0f}/s, all sent {alert_seconds:.1f} s after the first)")
        print(f"order at the fake WeChat: last alert #{last_alert + 1}, first routine #{first_routine + 1}; "
              f"routine messages received before the last alert: {sum(1 for f in is_alert[:last_alert] if not f)}")
        print(f"by sent_at: last alert {alert_done.isoformat(timespec='milliseconds')}, first routine "
              f"{routine_start.isoformat(timespec='milliseconds') if routine_start else '-'}")
        if alert_count != queued or routine_count != args.routine or first_routine < last_alert:
            raise SystemExit("FAILED: messages lost or a routine message went before an alert")


if __name__ == "__main__":
    main()
