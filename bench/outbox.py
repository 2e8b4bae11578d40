"""Outbox delivery throughput against the fake WeChat server: one drainer (baseline) vs several.

Run: `python -m bench.outbox [--messages 600]`; with DATABASE_URL set it uses a throw-away PostgreSQL
database on that server, else a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, text
from sqlalchemy.engine import make_url

from backend.app import create_app
from backend.core.models import utcnow
from backend.extensions import db
from backend.outbox.models import OutboxMessage
from backend.residents.models import Resident
from backend.settings import Settings
from bench.common import drain_outbox
from integrations.wechat.fake_server import FakeWeChatServer

ROOT = Path(__file__).resolve().parent.parent


def _database():
    """A fresh database URL and a function that removes it."""
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: None
    url = make_url(Settings.from_env({"DATABASE_URL": base, "APP_ENV": "test"}).database_url)
    name = f"zhijian_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def _fill(app, count: int) -> None:
    with app.app_context():
        db.session.execute(delete(OutboxMessage))
        if db.session.get(Resident, 1) is None:
            db.session.add(Resident(id=1, openid="o-bench"))
        now = utcnow()
        db.session.execute(insert(OutboxMessage), [
            {"kind": "wechat_subscribe", "dedupe_key": f"bench:{uuid.uuid4().hex}", "status": "pending",
             "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now,
             "payload": {"resident_id": 1, "template": "petition_update", "data": {"thing4": "已受理"},
                         "page": "pages/petitions/detail?id=1"}} for _ in range(count)])
        db.session.commit()
        db.session.remove()


def main() -> None:
    """Prints messages per second for 1, 2 and 4 drainers and the ratio to one drainer."""
    from flask_migrate import upgrade

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=600)
    args = parser.parse_args()
    url, drop = _database()
    try:
        with FakeWeChatServer() as fake:
            app = create_app(Settings.from_env({"APP_ENV": "test", "SECRET_KEY": "bench-" + "x" * 40,
                                                "DATABASE_URL": url, "REDIS_URL": "", "WECHAT_API_BASE": fake.url}))
            with app.app_context():
                upgrade(directory=str(ROOT / "migrations"))
            print(f"database: {make_url(url).get_backend_name()}, {args.messages} messages, fake WeChat on loopback")
            baseline = None
            for workers in (1, 2, 4):
                _fill(app, args.messages)
                fake.clear_messages()
                seconds = drain_outbox(app, workers, limit=50)
                sent = len(fake.messages())
                if sent != args.messages:
                    raise SystemExit(f"sent {sent} of {args.messages}: delivery is broken")
                rate = sent / seconds
                baseline = baseline or rate
                print(f"{workers} drainer(s): {rate:7.0f} messages/s  ({rate / baseline:.2f}x one drainer)")
            with app.app_context():
                db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
