"""The closed loop through the HTTP APIs: dispatch, accept, return, extension, reply, rate, reopen, withdraw."""

from __future__ import annotations

from sqlalchemy import select

from backend.extensions import db
from backend.outbox.models import OutboxMessage
from tests.petitions.conftest import file_petition

UNCLEAR = "你好，请问一下这个事情应该找谁呢"


def _act(client, headers, petition_id, **body):
    return client.post(f"/api/v1/petitions/{petition_id}/transitions", json=body, headers=headers)


def _messages(app, petition_id):
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "wechat_subscribe")
                                  .order_by(OutboxMessage.id)).all()
        return [r.payload["data"] for r in rows if r.payload["page"].endswith(f"id={petition_id}")]


def test_full_loop_with_return_transfer_extension_reply_and_rating(app, client, residents, auth):
    _, alice = residents.new()
    pid = file_petition(client, alice, type="咨询", content=UNCLEAR).get_json()["id"]
    dispatcher, supervisor = auth.staff("dispatcher"), auth.staff("supervisor")
    urban, transport = auth.staff("clerk_urban_management"), auth.staff("clerk_transport")

    assert _act(client, dispatcher, pid, action="dispatch", department="transport").status_code == 200
    returned = _act(client, transport, pid, action="return")
    assert returned.status_code == 422 and returned.get_json()["errors"]["reason"] == ["退回必须填写原因"]
    assert _act(client, transport, pid, action="return", reason="不属于交通部门").get_json()["status"] == "returned"
    assert client.get(f"/api/v1/petitions/{pid}", headers=transport).status_code == 404
    assert _act(client, dispatcher, pid, action="dispatch", department="urban_management").status_code == 200
    accepted = _act(client, urban, pid, action="accept").get_json()
    assert accepted["status"] == "accepted" and accepted["accepted_at"]
    old_reply_by = accepted["reply_by"]
    _act(client, urban, pid, action="request_extension", days=3, reason="需要联合执法")
    approved = _act(client, supervisor, pid, action="approve_extension").get_json()
    assert approved["reply_by"] > old_reply_by and approved["extension_status"] == "approved"
    note = client.post(f"/api/v1/petitions/{pid}/notes", json={"body": "内部：商户是惯犯"}, headers=urban)
    assert note.status_code == 201
    reply = client.post(f"/api/v1/petitions/{pid}/replies", json={"content": "已责令商户整改，感谢监督。"},
                        headers=urban)
    assert reply.status_code == 201 and reply.get_json()["status"] == "replied"

    mine = client.get(f"/api/mp/petitions/{pid}", headers=alice).get_json()
    assert mine["status_label"] == "已答复" and mine["can_rate"] is True
    assert mine["replies"][0]["content"] == "已责令商户整改，感谢监督。"
    assert mine["replies"][0]["department"]["name"] == "区城市管理局"
    titles = [e["title"] for e in mine["timeline"]]
    assert titles[0] == "诉求已提交" and "区城市管理局已答复" in titles
    body = str(mine)
    for secret in ("内部：商户是惯犯", "不属于交通部门", "需要联合执法", "clerk_", "办理员"):
        assert secret not in body
    rated = client.post(f"/api/mp/petitions/{pid}/rating", json={"score": 2, "resolved": False, "comment": "没改"},
                        headers=alice)
    assert rated.status_code == 200 and rated.get_json()["status"] == "closed"
    reopened = client.post(f"/api/mp/petitions/{pid}/reopen", json={"reason": "油烟依旧"}, headers=alice)
    assert reopened.get_json()["status"] == "dispatched" and reopened.get_json()["can_reopen"] is False
    again = client.post(f"/api/mp/petitions/{pid}/reopen", json={"reason": "再来一次"}, headers=alice)
    assert again.status_code == 409

    staff_view = client.get(f"/api/v1/petitions/{pid}", headers=supervisor).get_json()
    assert [t["action"] for t in staff_view["transitions"]] == [
        "submit", "dispatch", "return", "dispatch", "accept", "request_extension", "approve_extension", "reply",
        "rate", "reopen"]
    assert staff_view["notes"][0]["body"] == "内部：商户是惯犯"
    assert staff_view["ratings"][0] == {**staff_view["ratings"][0], "score": 2, "resolved": False}
    labels = [m["status_label"] for m in _messages(app, pid)]
    assert labels == ["已受理", "已受理", "办理中", "延期办理", "已答复"]


def test_forbidden_and_conflicting_actions_over_http(client, residents, auth):
    _, alice = residents.new()
    pid = file_petition(client, alice).get_json()["id"]  # auto-dispatched to urban_management
    urban = auth.staff("clerk_urban_management")
    response = _act(client, urban, pid, action="reply", content="已处理完毕，谢谢。")
    assert response.status_code == 409 and "不能答复" in response.get_json()["message"]
    response = _act(client, auth.staff("clerk_transport"), pid, action="accept")
    assert response.status_code == 404
    response = _act(client, auth.staff("dispatcher"), pid, action="accept")
    assert response.status_code == 403 and "签收" in response.get_json()["message"]
    response = _act(client, urban, pid, action="fly")
    assert response.status_code == 422 and "action" in response.get_json()["errors"]
    response = _act(client, auth.staff("dispatcher"), pid, action="transfer", department="nowhere", reason="x")
    assert response.status_code == 422 and response.get_json()["errors"]["department"] == ["承办部门不存在"]
    response = client.post(f"/api/mp/petitions/{pid}/rating", json={"score": 9, "resolved": True}, headers=alice)
    assert response.status_code == 422 and "score" in response.get_json()["errors"]


def test_withdraw_before_acceptance_only(client, residents, auth):
    _, alice = residents.new()
    first = file_petition(client, alice).get_json()["id"]
    second = file_petition(client, alice, content="楼下广场舞太吵了，晚上十点还在放音乐").get_json()["id"]
    withdrawn = client.post(f"/api/mp/petitions/{first}/withdraw", json={"reason": "已自行解决"}, headers=alice)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status_label"] == "已撤回"
    clerk = auth.staff("clerk_public_security")
    assert _act(client, clerk, second, action="accept").status_code == 200
    refused = client.post(f"/api/mp/petitions/{second}/withdraw", json={}, headers=alice)
    assert refused.status_code == 409


def test_merge_into_a_duplicate(client, residents, auth):
    _, alice = residents.new()
    _, bob = residents.new()
    original = file_petition(client, alice).get_json()
    duplicate = file_petition(client, bob).get_json()["id"]
    merged = _act(client, auth.staff("dispatcher"), duplicate, action="merge", target=original["number"])
    assert merged.get_json()["status"] == "merged" and merged.get_json()["merged_into"] == original["number"]
    seen_by_bob = client.get(f"/api/mp/petitions/{duplicate}", headers=bob).get_json()
    assert seen_by_bob["status_label"] == "已合并办理" and seen_by_bob["merged_into"] == original["number"]


def test_staff_list_filters(client, residents, auth):
    _, alice = residents.new()
    fumes = file_petition(client, alice).get_json()["id"]
    file_petition(client, alice, type="建议", street="moling", community=None, content="楼下广场舞太吵了，建议限时")
    dispatcher = auth.staff("dispatcher")

    def ids(query):
        response = client.get(f"/api/v1/petitions?{query}", headers=dispatcher)
        assert response.status_code == 200, response.get_json()
        return [i["id"] for i in response.get_json()["items"]]

    assert fumes in ids("street=dongshan") and fumes not in ids("street=moling")
    assert fumes in ids("department=urban_management&type=投诉") and fumes not in ids("type=建议")
    assert fumes in ids("q=烧烤") and fumes not in ids("q=广场舞")
    assert fumes in ids("overdue=false") and fumes not in ids("overdue=true")
    assert fumes in ids("from=2020-01-01&to=2100-01-01") and fumes not in ids("to=2020-01-01")
    assert fumes in ids("status=dispatched&limit=5&page=1")
    bad = client.get("/api/v1/petitions?status=flying&from=yesterday", headers=dispatcher)
    assert bad.status_code == 422 and {"status", "from"} <= set(bad.get_json()["errors"])
