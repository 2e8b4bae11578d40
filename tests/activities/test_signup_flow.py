"""Residents sign up, wait, get promoted once, check in and out with the organiser's code and earn hours."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.activities import flows, service
from backend.activities.errors import ActivityConflict
from backend.activities.models import ActivitySignup
from backend.core.models import utcnow
from backend.extensions import db
from backend.outbox.models import OutboxMessage


def _signup(client, activity_id, headers, body=None):
    return client.post(f"/api/mp/activities/{activity_id}/signup", json={"consent": True} if body is None else body,
                       headers=headers)


def _messages(app, activity_id):
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [m for m in rows if m.payload.get("page") == f"pages/activities/detail?id={activity_id}"]


def test_list_detail_and_filters(client, publish):
    first = publish(title="敬老院探访", street="moling", capacity=5)
    publish(title="图书馆整理", street="dongshan")
    body = client.get("/api/mp/activities?street=moling").get_json()
    assert body["total"] >= 1
    item = next(i for i in body["items"] if i["id"] == first["id"])
    assert item["title"] == "敬老院探访" and item["capacity"] == 5 and item["confirmed"] == 0
    assert item["street"] == {"code": "moling", "name": "秣陵街道"}
    assert all(i["street"]["code"] == "moling" for i in body["items"])
    assert client.get(f"/api/mp/activities/{first['id']}").get_json()["place"] == "竹山路 100 号广场"
    response = client.get("/api/mp/activities?street=nowhere")
    assert response.status_code == 422 and response.get_json()["errors"]["street"] == ["街道不存在"]
    assert client.get("/api/mp/activities/2147483647").status_code == 404


def test_upcoming_hides_ended_activities(client, publish):
    now = utcnow()
    ended = publish(title="已结束的活动", starts_at=(now - timedelta(hours=3)).isoformat(),
                    ends_at=(now - timedelta(hours=1)).isoformat(),
                    signup_deadline=(now - timedelta(hours=4)).isoformat())
    ids = [i["id"] for i in client.get("/api/mp/activities?upcoming=true&limit=100").get_json()["items"]]
    assert ended["id"] not in ids
    ids = [i["id"] for i in client.get("/api/mp/activities?limit=100").get_json()["items"]]
    assert ended["id"] in ids


def test_consent_is_required_in_chinese(client, publish, residents):
    activity = publish()
    [(_, headers)] = residents(1)
    for body in ({}, {"consent": False}, {"consent": None}):
        response = _signup(client, activity["id"], headers, body)
        assert response.status_code == 422
        assert response.get_json()["errors"]["consent"] == ["报名需同意向活动组织方提供您的姓名和手机号"]
    assert _signup(client, activity["id"], headers, {"consent": "是"}).status_code == 422
    assert client.post(f"/api/mp/activities/{activity['id']}/signup", json={"consent": True}).status_code == 401


def test_capacity_waitlist_idempotence_and_promotion_notified_once(app, client, publish, residents):
    activity = publish(capacity=2)
    people = residents(5)
    answers = [_signup(client, activity["id"], headers).get_json() for _, headers in people]
    assert answers == [{"status": "confirmed"}, {"status": "confirmed"}, {"status": "waitlisted", "position": 1},
                       {"status": "waitlisted", "position": 2}, {"status": "waitlisted", "position": 3}]
    # Asking again answers the same and takes nothing more.
    assert _signup(client, activity["id"], people[3][1]).get_json() == {"status": "waitlisted", "position": 2}
    assert _signup(client, activity["id"], people[0][1]).get_json() == {"status": "confirmed"}
    detail = client.get(f"/api/mp/activities/{activity['id']}").get_json()
    assert (detail["confirmed"], detail["waitlisted"]) == (2, 3)

    # A waitlisted resident leaving moves the others up; nobody is promoted.
    assert client.post(f"/api/mp/activities/{activity['id']}/cancel", headers=people[2][1]).get_json() == \
        {"status": "cancelled"}
    assert _signup(client, activity["id"], people[3][1]).get_json() == {"status": "waitlisted", "position": 1}
    assert _messages(app, activity["id"]) == []

    # A confirmed resident cancelling promotes the head of the waitlist, told exactly once.
    client.post(f"/api/mp/activities/{activity['id']}/cancel", headers=people[0][1])
    client.post(f"/api/mp/activities/{activity['id']}/cancel", headers=people[0][1])  # again: no effect
    assert _signup(client, activity["id"], people[3][1]).get_json() == {"status": "confirmed"}
    assert _signup(client, activity["id"], people[4][1]).get_json() == {"status": "waitlisted", "position": 1}
    sent = _messages(app, activity["id"])
    assert len(sent) == 1
    assert sent[0].payload["resident_id"] == people[3][0]
    assert sent[0].payload["template"] == "activity_update"
    assert sent[0].payload["data"]["activity_status"] == "候补转正"
    detail = client.get(f"/api/mp/activities/{activity['id']}").get_json()
    assert (detail["confirmed"], detail["waitlisted"]) == (2, 1)

    # The cancelled resident signs up again: at the back of the waitlist.
    assert _signup(client, activity["id"], people[0][1]).get_json() == {"status": "waitlisted", "position": 2}


def test_deadlines(app, client, publish, residents):
    now = utcnow()
    activity = publish(signup_deadline=(now + timedelta(hours=1)).isoformat(),
                       cancel_deadline=(now + timedelta(hours=1)).isoformat())
    [(resident_id, headers), (late_id, _)] = residents(2)
    assert _signup(client, activity["id"], headers).get_json() == {"status": "confirmed"}
    later = now + timedelta(hours=2)
    with app.app_context():
        with pytest.raises(ActivityConflict, match="^报名已截止$"):
            service.sign_up(activity_id=activity["id"], resident_id=late_id, consent=True, now=later)
        with pytest.raises(ActivityConflict, match="^已过取消报名截止时间"):
            service.cancel(activity_id=activity["id"], resident_id=resident_id, now=later)


def test_checkin_checkout_hours_and_mine(app, client, auth, publish, residents):
    activity = publish(capacity=1)
    [(resident_id, headers), (_, waiting)] = residents(2)
    _signup(client, activity["id"], headers)
    _signup(client, activity["id"], waiting)
    code = client.get(f"/api/v1/activities/{activity['id']}/checkin-code",
                      headers=auth.staff("organiser")).get_json()["code"]

    # Before the window (the activity starts in two days): refused.
    response = client.post(f"/api/mp/activities/{activity['id']}/checkin", json={"code": code}, headers=headers)
    assert response.status_code == 409 and "签到时间" in response.get_json()["message"]

    with app.app_context():
        starts = service.get(activity_id=activity["id"]).starts_at
        with app.test_request_context():
            service.check_in(activity_id=activity["id"], resident_id=resident_id, code=code,
                             now=starts - timedelta(minutes=10))
            # A second check-in keeps the first time.
            again = service.check_in(activity_id=activity["id"], resident_id=resident_id, code=code,
                                     now=starts + timedelta(minutes=5))
            assert again.checked_in_at == starts - timedelta(minutes=10)
            done = service.check_out(activity_id=activity["id"], resident_id=resident_id, code=code,
                                     now=starts + timedelta(minutes=100))
            assert done.half_hours == 3  # 100 minutes: 1 h + 40 min → 1.5 h
            with pytest.raises(ActivityConflict, match="正式报名"):
                service.check_in(activity_id=activity["id"], resident_id=_other(residents), code=code, now=starts)

    mine = client.get("/api/mp/activities/mine", headers=headers).get_json()
    item = next(i for i in mine["items"] if i["activity"]["id"] == activity["id"])
    assert item["status"] == "confirmed" and item["hours"] == 1.5 and mine["total_hours"] == 1.5
    waiting_mine = client.get("/api/mp/activities/mine", headers=waiting).get_json()
    assert waiting_mine["items"][0]["position"] == 1 and waiting_mine["total_hours"] == 0
    # A checked-in resident cannot cancel.
    with app.app_context(), pytest.raises(ActivityConflict, match="已签到"):
        service.cancel(activity_id=activity["id"], resident_id=resident_id)


def _other(residents) -> int:
    return residents(1)[0][0]


def test_codes_are_bound_to_their_activity_and_signed(app, client, auth, publish, residents):
    first, second = publish(), publish()
    [(_, headers)] = residents(1)
    _signup(client, first["id"], headers)
    code = client.get(f"/api/v1/activities/{second['id']}/checkin-code",
                      headers=auth.staff("organiser")).get_json()["code"]
    for bad in (code, code[:-2] + "xx", "ZJA.", "随便写的", "x" * 300):
        response = client.post(f"/api/mp/activities/{first['id']}/checkin", json={"code": bad}, headers=headers)
        assert response.status_code == 422, bad
        assert response.get_json()["errors"]["code"] == ["签到码无效或已过期，请扫描组织方当前展示的二维码"]
    assert client.post(f"/api/mp/activities/{first['id']}/checkin", json={"code": "x" * 301},
                       headers=headers).status_code == 422
    assert client.post(f"/api/mp/activities/{first['id']}/checkout", json={},
                       headers=headers).status_code == 422


def test_organiser_list_masked_and_csv_export(app, client, auth, publish, residents):
    activity = publish(capacity=1)
    people = residents(2)
    for _, headers in people:
        _signup(client, activity["id"], headers)
    staff = auth.staff("organiser")
    rows = client.get(f"/api/v1/activities/{activity['id']}/signups", headers=staff).get_json()["items"]
    assert [r["status"] for r in rows] == ["confirmed", "waitlisted"]
    assert rows[0]["phone"] == "138****0000" and rows[1]["position"] == 1
    response = client.get(f"/api/v1/activities/{activity['id']}/signups.csv", headers=staff)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:3] == ["姓名", "手机号", "状态"]
    assert [row[1] for row in table[1:]] == ["13800130000", "13800130001"]
    assert [row[2] for row in table[1:]] == ["已报名", "候补"]
    # Other staff: not their activity, or not an organiser at all.
    assert client.get(f"/api/v1/activities/{activity['id']}/signups", headers=auth.staff("editor")).status_code == 403
    assert client.get(f"/api/v1/activities/{activity['id']}/signups", headers=auth.staff("admin")).status_code == 200


def test_publish_validation(client, auth):
    staff = auth.staff("organiser")
    from tests.activities.conftest import window

    cases = [
        ({"capacity": 0}, "capacity"), ({"capacity": 2**40}, "capacity"), ({"street": "nowhere"}, "street"),
        ({"ends_at": "2026-01-01T00:00:00+08:00"}, "ends_at"), ({"starts_at": "9999-12-31T23:59:59"}, "starts_at"),
        ({"title": "   "}, "title"), ({"title": "a\x00b"}, "title"), ({"starts_at": "明天"}, "starts_at"),
    ]
    for change, field in cases:
        response = client.post("/api/v1/activities", json=window(**change), headers=staff)
        assert response.status_code == 422, (change, response.get_json())
        assert field in response.get_json()["errors"], (change, response.get_json())
    late = window()
    late["signup_deadline"] = late["ends_at"]
    response = client.post("/api/v1/activities", json=late, headers=staff)
    assert response.status_code == 422 and "signup_deadline" in response.get_json()["errors"]
    assert client.post("/api/v1/activities", json=window(), headers=auth.staff("clerk_urban_management")).status_code \
        == 403


def test_day_before_reminder_is_queued_once(app, client, publish, residents):
    soon = utcnow() + timedelta(hours=20)
    activity = publish(starts_at=soon.isoformat(), ends_at=(soon + timedelta(hours=2)).isoformat(), capacity=1)
    later = publish()  # in two days: not yet
    [(resident_id, headers), (_, waiting)] = residents(2)
    for target in (activity, later):
        _signup(client, target["id"], headers)
    _signup(client, activity["id"], waiting)
    with app.app_context():
        assert flows.send_reminders() == 1
        assert flows.send_reminders() == 0
        signup = db.session.scalar(select(ActivitySignup).where(ActivitySignup.activity_id == activity["id"],
                                                                 ActivitySignup.resident_id == resident_id))
        assert signup.reminded_at is not None
    reminders = [m for m in _messages(app, activity["id"]) if m.dedupe_key.endswith(":reminder")]
    assert len(reminders) == 1 and reminders[0].payload["data"]["activity_status"] == "明日活动"
    assert _messages(app, later["id"]) == []
