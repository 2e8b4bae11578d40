"""The clerk workspace's API: queue counts by department, queue and filter parameters, allowed actions, SLA clocks,
bulk 签收."""

from __future__ import annotations

from datetime import timedelta

from backend.core.models import utcnow
from backend.extensions import db
from backend.petitions.models import Petition
from tests.petitions.conftest import assign, file_petition, overdue_petition

LABELS = ["待签收", "办理中", "即将超时", "已超时", "已答复待评价", "已办结", "退回/转派"]


def _counts(client, headers) -> dict:
    response = client.get("/api/v1/petitions/queues", headers=headers)
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["label"] for i in items] == LABELS
    return {i["key"]: i["count"] for i in items}


def _file(client, auth, residents, department, **overrides) -> dict:
    _, alice = residents.new()
    petition = file_petition(client, alice, **overrides).get_json()
    return assign(client, auth, petition["id"], department)


def test_queue_counts_are_department_scoped_and_follow_the_workflow(app, client, auth, residents):
    clerk, other, dispatcher = (auth.staff("clerk_urban_management"), auth.staff("clerk_transport"),
                                auth.staff("dispatcher"))
    first = _file(client, auth, residents, "urban_management")
    second = _file(client, auth, residents, "urban_management")
    _file(client, auth, residents, "transport")
    with app.app_context():
        late = overdue_petition(app, "urban_management")
    counts = _counts(client, clerk)
    assert counts["pending_accept"] == 3 and counts["overdue"] == 1 and counts["in_progress"] == 0
    assert _counts(client, other)["pending_accept"] == 1
    assert _counts(client, dispatcher)["pending_accept"] == 4

    accepted = client.post(f"/api/v1/petitions/{first['id']}/transitions", json={"action": "accept"}, headers=clerk)
    assert accepted.status_code == 200
    client.post(f"/api/v1/petitions/{first['id']}/replies", json={"content": "已安排人员处理完毕"}, headers=clerk)
    client.post(f"/api/v1/petitions/{second['id']}/transitions", json={"action": "accept"}, headers=clerk)
    with app.app_context():
        # The reply step of the second petition ends within a day: 即将超时.
        db.session.get(Petition, second["id"]).reply_by = utcnow() + timedelta(hours=3)
        db.session.commit()
    counts = _counts(client, clerk)
    assert (counts["pending_accept"], counts["in_progress"], counts["replied"], counts["due_soon"],
            counts["overdue"]) == (1, 1, 1, 1, 1)
    before = _counts(client, other)["returned_transferred"]
    transferred = client.post(f"/api/v1/petitions/{late}/transitions", headers=dispatcher,
                              json={"action": "transfer", "department": "transport", "reason": "不属本部门职责"})
    assert transferred.status_code == 200
    assert _counts(client, other)["returned_transferred"] == before + 1
    assert _counts(client, clerk)["overdue"] == 0

    listed = client.get("/api/v1/petitions?queue=due_soon", headers=clerk).get_json()
    assert [p["id"] for p in listed["items"]] == [second["id"]]
    assert listed["items"][0]["stage_deadline"] is not None
    assert client.get("/api/v1/petitions?queue=nope", headers=clerk).status_code == 422


def test_list_filters_and_deadline_order(app, client, auth, residents):
    clerk = auth.staff("clerk_urban_management")
    early = _file(client, auth, residents, "urban_management", type="咨询", community="dongshan_zhushan")
    late = _file(client, auth, residents, "urban_management", type="建议", community=None)
    with app.app_context():
        db.session.get(Petition, early["id"]).accept_by = utcnow() + timedelta(hours=1)
        db.session.get(Petition, late["id"]).accept_by = utcnow() + timedelta(days=5)
        db.session.get(Petition, late["id"]).category = "测试分类"
        db.session.commit()
    ordered = client.get("/api/v1/petitions?sort=deadline", headers=clerk).get_json()["items"]
    assert [p["id"] for p in ordered] == [early["id"], late["id"]]
    newest = client.get("/api/v1/petitions", headers=clerk).get_json()["items"]
    assert [p["id"] for p in newest] == [late["id"], early["id"]]
    by_community = client.get("/api/v1/petitions?community=dongshan_zhushan", headers=clerk).get_json()["items"]
    assert [p["id"] for p in by_community] == [early["id"]]
    by_category = client.get("/api/v1/petitions?category=测试分类", headers=clerk).get_json()["items"]
    assert [p["id"] for p in by_category] == [late["id"]]
    assert client.get("/api/v1/petitions?rating=5", headers=clerk).get_json()["total"] == 0
    assert client.get("/api/v1/petitions?rating=9", headers=clerk).status_code == 422


def test_ticket_lists_exactly_the_actions_the_role_may_take_now_and_the_clocks(client, auth, residents):
    petition = _file(client, auth, residents, "urban_management")
    clerk = auth.staff("clerk_urban_management")

    def actions(headers):
        return sorted(a["action"] for a in client.get(f"/api/v1/petitions/{petition['id']}",
                                                      headers=headers).get_json()["allowed_actions"])

    assert actions(clerk) == ["accept", "return"]
    assert actions(auth.staff("dispatcher")) == ["merge", "transfer"]
    client.post(f"/api/v1/petitions/{petition['id']}/transitions", json={"action": "accept"}, headers=clerk)
    assert actions(clerk) == ["reply", "request_extension"]
    assert actions(auth.staff("supervisor")) == ["transfer"]
    client.post(f"/api/v1/petitions/{petition['id']}/transitions", headers=clerk,
                json={"action": "request_extension", "days": 3, "reason": "需要协调多个部门"})
    assert actions(clerk) == ["reply"]
    assert actions(auth.staff("supervisor")) == ["approve_extension", "reject_extension", "transfer"]
    detail = client.get(f"/api/v1/petitions/{petition['id']}", headers=clerk).get_json()
    clocks = {c["stage"]: c for c in detail["clocks"]}
    assert clocks["accept"]["done_at"] and not clocks["accept"]["running"] and not clocks["accept"]["overdue"]
    assert clocks["reply"]["running"] and clocks["reply"]["working_days_left"] >= 1
    assert [e["action"] for e in detail["timeline"]][-2:] == ["accept", "request_extension"]
    assert detail["timeline"][-1]["reason"] == "需要协调多个部门"
    assert detail["timeline"][-1]["actor_name"] == "区城市管理局办理员（演示）"


def test_bulk_accept_takes_what_it_may_and_says_why_not_for_the_rest(client, auth, residents):
    clerk = auth.staff("clerk_urban_management")
    mine = [_file(client, auth, residents, "urban_management")["id"] for _ in range(2)]
    theirs = _file(client, auth, residents, "transport")["id"]
    client.post(f"/api/v1/petitions/{mine[1]}/transitions", json={"action": "accept"}, headers=clerk)
    result = client.post("/api/v1/petitions/bulk-accept", json={"ids": [mine[0], mine[1], theirs, mine[0]]},
                         headers=clerk)
    assert result.status_code == 200
    assert result.get_json()["items"] == [
        {"id": mine[0], "ok": True, "message": None},
        {"id": mine[1], "ok": False, "message": "诉求当前状态为“办理中”，不能签收"},
        {"id": theirs, "ok": False, "message": "诉求不存在或您无权查看"},
    ]
    assert client.get(f"/api/v1/petitions/{theirs}", headers=auth.staff("dispatcher")).get_json()["status"] == \
        "dispatched"
    assert client.post("/api/v1/petitions/bulk-accept", json={"ids": []}, headers=clerk).status_code == 422
    assert client.post("/api/v1/petitions/bulk-accept", json={"ids": [mine[0]]},
                       headers=auth.staff("dispatcher")).status_code == 403
