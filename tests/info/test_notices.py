"""Notices: drafting, the four-eyes approval, expiry and withdrawal, what residents see first, read markers."""

from datetime import datetime, timedelta

import pytest

from backend.core.models import utcnow
from backend.directory.service import create_staff
from backend.extensions import db
from backend.info.notices.models import Notice
from tests.info.conftest import make_resident

pytestmark = pytest.mark.usefixtures("no_notices")

OUTAGE = {"title": "竹山社区计划停水", "body": "管网改造，暂停供水。", "category": "water",
          "street_code": "dongshan", "community_code": "dongshan_zhushan", "affected_area": "竹山路以东各小区",
          "starts_at": "2026-12-20T09:00", "ends_at": "2026-12-20T17:00", "expires_at": "2099-01-01T00:00"}


def _draft(client, auth, body=None, who="editor"):
    response = client.post("/api/v1/info/notices", json=body or OUTAGE, headers=auth.staff(who))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _act(client, auth, notice_id, action, who, reason=None):
    return client.post(f"/api/v1/info/notices/{notice_id}/transitions", json={"action": action, "reason": reason},
                       headers=auth.staff(who))


def _publish(client, auth, body=None):
    notice = _draft(client, auth, body)
    assert _act(client, auth, notice["id"], "submit", "editor").status_code == 200
    response = _act(client, auth, notice["id"], "approve", "supervisor")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_draft_is_published_only_after_someone_else_approves_it(client, auth):
    notice = _draft(client, auth)
    assert notice["status"] == "draft"
    assert datetime.fromisoformat(notice["starts_at"]) == datetime.fromisoformat("2026-12-20T09:00+08:00")
    assert _act(client, auth, notice["id"], "approve", "supervisor").status_code == 409  # not submitted yet
    assert _act(client, auth, notice["id"], "submit", "editor").get_json()["status_label"] == "待审核"
    own = _act(client, auth, notice["id"], "approve", "editor")
    assert own.status_code == 403
    assert own.get_json()["message"] == "公告须由起草人以外的另一位工作人员审核"
    approved = _act(client, auth, notice["id"], "approve", "supervisor").get_json()
    assert approved["status"] == "published" and approved["approver"]["display_name"] == "督办员（演示）"
    trail = client.get(f"/api/v1/info/notices/{notice['id']}/audit", headers=auth.staff("supervisor")).get_json()
    assert [e["action"] for e in trail["items"]] == ["create", "submit", "approve"]
    assert trail["items"][2]["details"] == {"from": "pending", "to": "published"}


def test_a_second_editor_may_approve_and_a_rejection_needs_a_reason(app, client, auth):
    with app.app_context():
        create_staff(username="editor2", password="pw-editor-2-long", role="editor", display_name="编辑二")
        db.session.commit()
    notice = _draft(client, auth)
    _act(client, auth, notice["id"], "submit", "editor")
    refused = _act(client, auth, notice["id"], "reject", "editor2")
    assert refused.status_code == 422 and refused.get_json()["errors"] == {"reason": ["请填写原因"]}
    back = _act(client, auth, notice["id"], "reject", "editor2", reason="影响范围写得不清楚").get_json()
    assert back["status"] == "draft" and back["status_reason"] == "影响范围写得不清楚"
    edited = client.patch(f"/api/v1/info/notices/{notice['id']}", json={"affected_area": "竹山路以东 1-12 栋"},
                          headers=auth.staff("editor"))
    assert edited.status_code == 200 and edited.get_json()["affected_area"] == "竹山路以东 1-12 栋"
    _act(client, auth, notice["id"], "submit", "editor")
    assert _act(client, auth, notice["id"], "approve", "editor2").get_json()["status"] == "published"
    frozen = client.patch(f"/api/v1/info/notices/{notice['id']}", json={"title": "改个标题"}, headers=auth.staff("editor"))
    assert frozen.status_code == 409


def test_outages_need_an_area_and_a_window(client, auth):
    for missing, field in (("affected_area", "affected_area"), ("starts_at", "starts_at")):
        body = {**OUTAGE, missing: None}
        response = client.post("/api/v1/info/notices", json=body, headers=auth.staff("editor"))
        assert response.status_code == 422 and field in response.get_json()["errors"]
    backwards = client.post("/api/v1/info/notices", json={**OUTAGE, "ends_at": "2026-12-20T08:00"},
                            headers=auth.staff("editor"))
    assert backwards.get_json()["errors"] == {"ends_at": ["结束时间应晚于开始时间"]}
    wrong = client.post("/api/v1/info/notices", json={**OUTAGE, "street_code": "moling"}, headers=auth.staff("editor"))
    assert wrong.get_json()["errors"] == {"community_code": ["该社区不属于秣陵街道"]}


@pytest.mark.parametrize("body", [
    [], "x", {"title": "a"}, {**OUTAGE, "category": "fire"}, {**OUTAGE, "starts_at": "明天"},
    {**OUTAGE, "starts_at": "0001-01-01T00:00"}, {**OUTAGE, "street_code": "东山"}, {**OUTAGE, "title": "x" * 101},
    {**OUTAGE, "street_code": "nowhere"}, {**OUTAGE, "expires_at": 12},
])
def test_bad_input_is_a_chinese_422(client, auth, body):
    response = client.post("/api/v1/info/notices", json=body, headers=auth.staff("editor"))
    assert response.status_code in (400, 422)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.get_json()["message"])


def test_only_editors_and_supervisors(client, auth):
    assert client.post("/api/v1/info/notices", json=OUTAGE).status_code == 401
    assert client.post("/api/v1/info/notices", json=OUTAGE, headers=auth.staff("dispatcher")).status_code == 403
    assert client.post("/api/v1/info/notices", json=OUTAGE, headers=auth.staff("supervisor")).status_code == 403
    notice = _draft(client, auth)
    _act(client, auth, notice["id"], "submit", "editor")
    assert _act(client, auth, notice["id"], "approve", "clerk_urban_management").status_code == 403
    assert client.get("/api/v1/info/notices/999999", headers=auth.staff("editor")).status_code == 404


def test_residents_see_their_community_then_street_then_district_and_never_drafts(app, client, auth):
    other = _publish(client, auth, {"title": "秣陵街道通知", "body": "秣陵的事。", "street_code": "moling"})
    district = _publish(client, auth, {"title": "全区通知", "body": "全区的事。"})
    street = _publish(client, auth, {"title": "东山街道通知", "body": "东山的事。", "street_code": "dongshan"})
    community = _publish(client, auth)
    _draft(client, auth, {"title": "还没审核的草稿", "body": "草稿。", "street_code": "dongshan"})
    resident = make_resident(app, "dongshan", "dongshan_zhushan")
    body = client.get("/api/mp/notices", headers=auth.resident(resident)).get_json()
    assert [n["id"] for n in body["items"]] == [community["id"], street["id"], district["id"], other["id"]]
    assert [n["scope"] for n in body["items"]] == ["community", "street", "district", "other"]
    assert body["total"] == 4 and body["unread"] == 3
    mine = client.get("/api/mp/notices?mine=true", headers=auth.resident(resident)).get_json()
    assert [n["id"] for n in mine["items"]] == [community["id"], street["id"], district["id"]]
    water = client.get("/api/mp/notices?category=water", headers=auth.resident(resident)).get_json()
    assert [n["title"] for n in water["items"]] == ["竹山社区计划停水"]
    assert water["items"][0]["affected_area"] == "竹山路以东各小区"
    elsewhere = make_resident(app, "moling")
    assert client.get("/api/mp/notices", headers=auth.resident(elsewhere)).get_json()["items"][0]["id"] == other["id"]


def test_read_markers_count_down_the_unread(app, client, auth):
    notice = _publish(client, auth)
    resident = make_resident(app, "dongshan", "dongshan_zhushan")
    headers = auth.resident(resident)
    assert client.get("/api/mp/notices", headers=headers).get_json()["unread"] == 1
    first = client.post(f"/api/mp/notices/{notice['id']}/read", headers=headers).get_json()
    again = client.post(f"/api/mp/notices/{notice['id']}/read", headers=headers).get_json()
    assert first["read_at"] == again["read_at"]
    listed = client.get("/api/mp/notices", headers=headers).get_json()
    assert listed["unread"] == 0 and listed["items"][0]["read"] is True
    assert client.post("/api/mp/notices/999999/read", headers=headers).status_code == 404
    assert client.get("/api/mp/notices", headers=auth.staff("editor")).status_code == 403


def test_withdrawn_and_expired_notices_disappear_for_residents(app, client, auth):
    _publish(client, auth, {"title": "保留的通知", "body": "保留。", "street_code": "dongshan"})
    withdrawn = _publish(client, auth, {"title": "撤回的通知", "body": "撤回。", "street_code": "dongshan"})
    expired = _publish(client, auth, {"title": "过期的通知", "body": "过期。", "street_code": "dongshan"})
    assert _act(client, auth, withdrawn["id"], "withdraw", "editor").status_code == 422
    assert _act(client, auth, withdrawn["id"], "withdraw", "editor", reason="内容有误").get_json()["status"] == "withdrawn"
    with app.app_context():
        db.session.get(Notice, expired["id"]).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    resident = make_resident(app, "dongshan")
    titles = [n["title"] for n in client.get("/api/mp/notices", headers=auth.resident(resident)).get_json()["items"]]
    assert titles == ["保留的通知"]
    assert client.post(f"/api/mp/notices/{withdrawn['id']}/read", headers=auth.resident(resident)).status_code == 404
    staff = client.get("/api/v1/info/notices?status=expired", headers=auth.staff("editor")).get_json()
    assert [n["id"] for n in staff["items"]] == [expired["id"]] and staff["items"][0]["status_label"] == "已过期"


def test_a_general_notice_expires_after_thirty_days_and_an_outage_a_day_after_its_window(client, auth):
    general = _publish(client, auth, {"title": "一般通知", "body": "内容。"})
    outage = _publish(client, auth, {**OUTAGE, "expires_at": None})
    assert general["expires_at"] > general["published_at"]
    assert datetime.fromisoformat(outage["expires_at"]) == datetime.fromisoformat("2026-12-21T17:00+08:00")
