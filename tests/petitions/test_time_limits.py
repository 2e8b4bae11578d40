"""Working days over the 2026 holiday calendar, deadlines per type, and the SLA sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from backend.calendar.service import BEIJING, end_of_working_days, is_working_day
from backend.core.models import utcnow
from backend.extensions import db
from backend.outbox.models import OutboxMessage
from backend.petitions import deadlines, flows
from backend.petitions.models import Petition
from tests.petitions.conftest import file_petition


def _bj(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


@pytest.mark.parametrize("day, working", [
    ((2026, 10, 1), False),   # 国庆节
    ((2026, 10, 10), True),   # Saturday worked instead (调休)
    ((2026, 9, 20), True),    # Sunday worked instead
    ((2026, 2, 14), True),
    ((2026, 2, 16), False),   # 春节, a Monday
    ((2026, 11, 28), False),  # an ordinary Saturday
    ((2026, 11, 25), True),   # an ordinary Wednesday
])
def test_calendar_knows_2026(app, day, working):
    from datetime import date

    with app.app_context():
        assert is_working_day(date(*day)) is working


def test_working_days_skip_the_national_day_holiday(app):
    with app.app_context():
        # Filed on Wednesday 30 September: the 1st working day after it is Thursday 8 October.
        assert end_of_working_days(_bj(2026, 9, 30, 15), 1) == _bj(2026, 10, 9, 0, 0)
        # The adjusted working Saturday 10 October counts: 3 working days → 10 October.
        assert end_of_working_days(_bj(2026, 9, 30, 15), 3) == _bj(2026, 10, 11, 0, 0)
        # 0 = by the end of the first working day; filed on a holiday that is 8 October.
        assert end_of_working_days(_bj(2026, 10, 3, 9), 0) == _bj(2026, 10, 9, 0, 0)


def test_deadlines_follow_the_table(app, client, residents):
    _, alice = residents.new()
    normal = file_petition(client, alice, type="建议").get_json()["id"]
    urgent = file_petition(client, alice, type="投诉", urgency="urgent", content="小区门口井盖丢了，很危险").get_json()["id"]
    with app.app_context():
        for petition_id, type_, urgency in ((normal, "建议", "normal"), (urgent, "投诉", "urgent")):
            petition = db.session.get(Petition, petition_id)
            expected = deadlines.compute(type=type_, urgency=urgency, start=petition.created_at)
            assert (petition.accept_by, petition.reply_by, petition.close_by) == expected
            assert petition.accept_by <= petition.reply_by <= petition.close_by


def _age(app, petition_id, **fields):
    with app.app_context():
        petition = db.session.get(Petition, petition_id)
        for name, value in fields.items():
            setattr(petition, name, value)
        db.session.commit()


def test_sweep_flags_overdue_petitions_once_and_alerts_supervisors(app, client, residents, auth):
    _, alice = residents.new()
    pid = file_petition(client, alice).get_json()["id"]
    past = utcnow() - timedelta(hours=1)
    _age(app, pid, accept_by=past, reply_by=past + timedelta(minutes=30))
    with app.app_context():
        first = flows.sweep_overdue()
        second = flows.sweep_overdue()
        alerts = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "staff_alert")).all()
        petition = db.session.get(Petition, pid)
        assert petition.accept_overdue and petition.reply_overdue and not petition.close_overdue
    assert first.flagged["accept"] >= 1 and second.flagged == {"accept": 0, "reply": 0, "close": 0}
    mine = [a.payload for a in alerts if a.payload["petition_id"] == pid]
    assert sorted(a["kind"] for a in mine) == ["accept_overdue", "reply_overdue"]
    assert all(a["role"] == "supervisor" and a["number"] in a["message"] for a in mine)
    overdue = client.get("/api/v1/petitions?overdue=true", headers=auth.staff("supervisor")).get_json()
    assert pid in [i["id"] for i in overdue["items"]]


def test_sweep_auto_closes_seven_days_after_an_unrated_reply(app, client, residents, auth):
    _, alice = residents.new()
    pid = file_petition(client, alice).get_json()["id"]
    clerk = auth.staff("clerk_urban_management")
    client.post(f"/api/v1/petitions/{pid}/transitions", json={"action": "accept"}, headers=clerk)
    client.post(f"/api/v1/petitions/{pid}/replies", json={"content": "已处理，请查看。"}, headers=clerk)
    _age(app, pid, replied_at=utcnow() - timedelta(days=6, hours=23))
    with app.app_context():
        assert flows.sweep_overdue().auto_closed == 0
    _age(app, pid, replied_at=utcnow() - timedelta(days=7, minutes=1))
    with app.app_context():
        assert flows.sweep_overdue().auto_closed == 1
    mine = client.get(f"/api/mp/petitions/{pid}", headers=alice).get_json()
    assert mine["status_label"] == "已办结" and mine["timeline"][-1]["action"] == "auto_close"


def test_sweep_routes_petitions_left_unrouted(app, client, residents):
    _, alice = residents.new()
    # Not buffered: the response is never closed, as if the process died right after the commit.
    response = client.post("/api/mp/petitions", json={
        "type": "投诉", "content": "老板拖欠工资三个月不给", "street": "lukou"}, headers=alice)
    pid = response.get_json()["id"]
    _age(app, pid, created_at=utcnow() - timedelta(minutes=5))
    with app.app_context():
        assert flows.sweep_overdue().routed >= 1
        assert db.session.get(Petition, pid).department.code == "hr_social_security"


def test_sweep_command(app):
    result = app.test_cli_runner().invoke(args=["petitions", "sweep"])
    assert result.exit_code == 0 and "auto-closed" in result.output
