"""UTCDateTime: every datetime column stores UTC and reads back aware UTC on PostgreSQL and SQLite."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext
from sqlalchemy import DateTime, create_engine, select, text
from sqlalchemy.exc import StatementError

from backend.core.models import UTCDateTime, render_item
from backend.directory.models import Staff
from backend.directory.service import get_staff_by_username
from backend.extensions import db

BEIJING = timezone(timedelta(hours=8))


def test_every_datetime_column_of_every_model_is_utc_aware(base_app):
    # UTCDateTime is a TypeDecorator, not a DateTime: any plain DateTime column left is a naive-on-SQLite bug.
    plain = [f"{table.name}.{column.name}" for table in db.metadata.sorted_tables for column in table.columns
             if isinstance(column.type, DateTime)]
    assert plain == []
    assert any(isinstance(column.type, UTCDateTime) for column in db.metadata.tables["petitions"].columns)


def test_an_aware_value_in_another_zone_is_stored_as_utc_and_read_back_aware(app):
    local = datetime(2026, 11, 25, 9, 30, tzinfo=BEIJING)
    with app.app_context():
        staff = get_staff_by_username(username="dispatcher")
        staff.last_login_at = local
        db.session.commit()
        db.session.expire_all()
        if db.engine.dialect.name == "postgresql":
            # Whatever zone the server's sessions use, values come back in UTC.
            db.session.execute(text("SET TIME ZONE 'Asia/Shanghai'"))
        read = db.session.scalar(select(Staff.last_login_at).where(Staff.id == staff.id))
        raw = db.session.scalar(text("SELECT last_login_at FROM staff WHERE id = :id"), {"id": staff.id})
    assert read == local and read.tzinfo is UTC and read.hour == 1
    if isinstance(raw, str):  # SQLite keeps the UTC wall time as text
        assert raw.startswith("2026-11-25 01:30:00")
    else:
        assert raw == local


def test_timestamps_of_new_rows_are_aware(app):
    with app.app_context():
        staff = get_staff_by_username(username="supervisor")
        db.session.expire_all()
        staff = db.session.get(Staff, staff.id)
        assert staff.created_at.tzinfo is UTC and staff.updated_at.tzinfo is UTC


def test_a_naive_value_is_refused_on_write(app):
    with app.app_context():
        staff = get_staff_by_username(username="dispatcher")
        staff.last_login_at = datetime(2026, 11, 25, 9, 30)
        with pytest.raises(StatementError, match="naive datetime"):
            db.session.commit()
        db.session.rollback()


def test_autogenerate_renders_the_type_as_a_plain_timezone_aware_datetime(app):
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": db.metadata})
        ops = produce_migrations(context, db.metadata).upgrade_ops
    hook = app.extensions["migrate"].configure_args["render_item"]
    code = render_python_code(ops, render_item=hook)
    assert "sa.DateTime(timezone=True)" in code and "UTCDateTime" not in code
    assert hook is render_item
    # Without the hook the migration would name backend.core.models.UTCDateTime (and import app code).
    assert "UTCDateTime" in render_python_code(ops)
