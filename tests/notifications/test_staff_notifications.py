"""Overdue alerts reach the staff inbox (supervisors and the department's clerks) once; the inbox API."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, update

from backend.core.models import utcnow
from backend.directory.models import Staff
from backend.directory.service import get_department_by_code, get_staff_by_username
from backend.extensions import db
from backend.notifications import service as notifications
from backend.notifications.models import StaffNotification
from backend.outbox import handlers
from backend.outbox.delivery import deliver_due
from backend.outbox.models import OutboxMessage
from backend.outbox.service import enqueue
from backend.petitions import flows
from backend.petitions.models import Petition
from tests.petitions.conftest import bearer, make_resident, overdue_petition


def _staff(role: str, department: str | None = None, active: bool = True) -> int:
    staff = Staff(username=f"t-{role}-{uuid.uuid4().hex[:8]}", display_name="测试", role=role,
                  department_id=get_department_by_code(code=department).id if department else None,
                  password_hash="-", is_active=active)
    db.session.add(staff)
    db.session.commit()
    return staff.id


def _ids(*usernames: str) -> set[int]:
    return {get_staff_by_username(username=name).id for name in usernames}


def _inbox(petition_id: int) -> list[StaffNotification]:
    db.session.expire_all()
    return list(db.session.scalars(select(StaffNotification).where(StaffNotification.petition_id == petition_id)))


def test_an_overdue_alert_reaches_active_supervisors_and_the_departments_clerks(app):
    with app.app_context():
        second_supervisor = _staff("supervisor")
        _staff("supervisor", active=False)
        second_clerk = _staff("clerk", "urban_management")
        _staff("clerk", "urban_management", active=False)
        pid = overdue_petition(app, "urban_management")
        assert flows.sweep_overdue().flagged["accept"] >= 1
        report = deliver_due()
        alert = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "staff_alert", OutboxMessage.payload["petition_id"].as_integer() == pid))
        assert alert.id in report.sent
        inbox = _inbox(pid)
        number = db.session.get(Petition, pid).number
        expected = _ids("supervisor", "clerk_urban_management") | {second_supervisor, second_clerk}
        assert sorted(n.staff_id for n in inbox) == sorted(expected)  # one each; no dispatcher, admin, other clerks
        assert {(n.kind, n.message, n.read_at) for n in inbox} == {
            ("accept_overdue", f"诉求 {number}超过签收时限仍未签收", None)}


def test_an_unrouted_petition_alerts_supervisors_only(app):
    with app.app_context():
        pid = overdue_petition(app, None, status="submitted")
        flows.sweep_overdue()
        deliver_due()
        assert {n.staff_id for n in _inbox(pid)} == _ids("supervisor")


def test_a_handler_run_again_after_a_crash_adds_nothing(app):
    with app.app_context():
        pid = overdue_petition(app, "transport")
        flows.sweep_overdue()
        deliver_due()
        before = len(_inbox(pid))
        assert before == 2  # the supervisor and clerk_transport
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "staff_alert", OutboxMessage.payload["petition_id"].as_integer() == pid))
        # The worker died after the handler's commit but before the "sent" mark: the lease expires, it runs again.
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                           .values(status="pending", next_attempt_at=utcnow()))
        db.session.commit()
        assert message.id in deliver_due().sent
        handlers.handle(db.session.get(OutboxMessage, message.id))
        assert len(_inbox(pid)) == before


@pytest.mark.parametrize("payload, error", [
    ({"role": "supervisor", "kind": "accept_overdue"}, "message"),
    ({"role": "mayor", "kind": "accept_overdue", "message": "诉求超时"}, "role"),
    ({"role": "supervisor", "kind": "accept_overdue", "message": "诉求超时", "petition_id": "7"}, "petition_id"),
    ({"role": "supervisor", "kind": "accept_overdue", "message": "诉求超时", "petition_id": 987654321},
     "no longer exists"),
])
def test_malformed_alerts_fail_for_good(app, payload, error):
    with app.app_context():
        message = enqueue(kind="staff_alert", payload=payload, dedupe_key=f"test:{uuid.uuid4().hex}")
        db.session.commit()
        assert deliver_due().failed == [message.id]
        db.session.expire_all()
        assert error in db.session.get(OutboxMessage, message.id).last_error
        assert db.session.scalar(select(func.count()).select_from(StaffNotification)) == 0


def _alerts(app, count: int, **fields) -> list[int]:
    with app.app_context():
        pid = overdue_petition(app, "urban_management")
        for i in range(count):
            notifications.deliver_alert(role="supervisor", kind="reply_overdue", message=f"诉求第 {i} 条提醒",
                                        source_key=f"test:{pid}:{i}", petition_id=pid,
                                        department_id=fields.get("department_id"))
        return [n.id for n in sorted(_inbox(pid), key=lambda n: n.id)]


def test_the_inbox_lists_only_my_notifications_newest_first_with_unread_counts(app, client, auth):
    ids = _alerts(app, 3)
    supervisor = auth.staff("supervisor")
    body = client.get("/api/v1/me/notifications", headers=supervisor).get_json()
    assert [i["id"] for i in body["items"]] == ids[::-1]
    assert (body["total"], body["unread"]) == (3, 3)
    first = body["items"][-1]
    assert first["kind_label"] == "答复超时" and first["read"] is False and first["message"] == "诉求第 0 条提醒"
    assert first["petition"]["number"].startswith("JNTEST-") and first["created_at"].endswith("+00:00")
    page = client.get("/api/v1/me/notifications?limit=1&page=2", headers=supervisor).get_json()
    assert [i["id"] for i in page["items"]] == [ids[1]] and page["total"] == 3
    for other in ("clerk_transport", "dispatcher", "admin"):
        theirs = client.get("/api/v1/me/notifications", headers=auth.staff(other)).get_json()
        assert set(ids).isdisjoint(i["id"] for i in theirs["items"])
    count = client.get("/api/v1/me/notifications/unread-count", headers=supervisor).get_json()
    assert count == {"unread": 3}


def test_marking_read(app, client, auth):
    ids = _alerts(app, 3)
    supervisor = auth.staff("supervisor")
    response = client.post(f"/api/v1/me/notifications/{ids[0]}/read", headers=supervisor)
    assert response.status_code == 200 and response.get_json()["read"] is True
    read_at = response.get_json()["read_at"]
    again = client.post(f"/api/v1/me/notifications/{ids[0]}/read", headers=supervisor).get_json()
    assert again["read_at"] == read_at  # the first reading time is kept
    unread = client.get("/api/v1/me/notifications?unread=true", headers=supervisor).get_json()
    assert [i["id"] for i in unread["items"]] == [ids[2], ids[1]] and unread["unread"] == 2
    read = client.get("/api/v1/me/notifications?unread=false", headers=supervisor).get_json()
    assert [i["id"] for i in read["items"]] == [ids[0]]
    done = client.post("/api/v1/me/notifications/read-all", headers=supervisor).get_json()
    assert done == {"updated": 2, "unread": 0}


def test_another_staff_members_notification_is_not_found(app, client, auth):
    ids = _alerts(app, 2)
    clerk = auth.staff("clerk_urban_management")  # not addressed: no department_id in these alerts
    for path in (f"/api/v1/me/notifications/{ids[0]}/read", "/api/v1/me/notifications/987654321/read"):
        response = client.post(path, headers=clerk)
        assert response.status_code == 404 and response.get_json()["message"] == "通知不存在"
    assert client.post("/api/v1/me/notifications/read-all", headers=clerk).get_json()["updated"] == 0
    supervisor = auth.staff("supervisor")
    assert client.get("/api/v1/me/notifications/unread-count", headers=supervisor).get_json() == {"unread": 2}


def test_the_inbox_needs_a_staff_token(app, client):
    resident = bearer(app, make_resident(app))
    for method, path in (("get", "/api/v1/me/notifications"), ("get", "/api/v1/me/notifications/unread-count"),
                         ("post", "/api/v1/me/notifications/1/read"), ("post", "/api/v1/me/notifications/read-all")):
        assert getattr(client, method)(path).status_code == 401
        assert getattr(client, method)(path, headers=resident).status_code == 403


def test_bad_query_arguments_are_422(client, auth):
    response = client.get("/api/v1/me/notifications?unread=maybe&limit=0", headers=auth.staff("supervisor"))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"unread", "limit"}


def test_a_deactivated_recipient_gets_nothing_new(app):
    with app.app_context():
        supervisor = get_staff_by_username(username="supervisor")
        supervisor.is_active = False
        db.session.commit()
        pid = overdue_petition(app, None, status="submitted")
        assert notifications.deliver_alert(role="supervisor", kind="accept_overdue", message="诉求超时",
                                           source_key="test:inactive", petition_id=pid) == 0
        assert _inbox(pid) == []
