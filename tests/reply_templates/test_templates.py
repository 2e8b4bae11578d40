"""Reply templates: clerks manage their department's, supervisors any; variables filled in for a petition."""

from __future__ import annotations

import re

from tests.petitions.conftest import assign, file_petition

BODY = "您好，您的诉求（编号 {number}）已于 {date} 办结，{unknown} 保持原样。"


def test_a_clerk_manages_only_their_departments_templates(client, auth):
    clerk, other = auth.staff("clerk_urban_management"), auth.staff("clerk_transport")
    created = client.post("/api/v1/reply-templates", json={"title": "办结", "body": BODY}, headers=clerk)
    assert created.status_code == 201 and created.get_json()["department"]["code"] == "urban_management"
    template_id = created.get_json()["id"]
    foreign = client.post("/api/v1/reply-templates", json={"title": "越权", "body": BODY, "department": "transport"},
                          headers=clerk)
    assert foreign.status_code == 403 and foreign.get_json()["message"] == "只能管理本部门的常用语"
    assert client.get("/api/v1/reply-templates", headers=other).get_json()["items"] == []
    assert client.patch(f"/api/v1/reply-templates/{template_id}", json={"title": "改"}, headers=other).status_code == 404
    assert client.delete(f"/api/v1/reply-templates/{template_id}", headers=other).status_code == 404
    changed = client.patch(f"/api/v1/reply-templates/{template_id}", json={"title": "已办结"}, headers=clerk)
    assert changed.status_code == 200 and changed.get_json()["title"] == "已办结"
    listed = client.get("/api/v1/reply-templates", headers=clerk).get_json()
    assert [t["title"] for t in listed["items"]] == ["已办结"] and "number" in listed["variables"]
    assert client.delete(f"/api/v1/reply-templates/{template_id}", headers=clerk).status_code == 204
    assert client.get("/api/v1/reply-templates", headers=clerk).get_json()["items"] == []


def test_supervisors_manage_any_department_and_others_none(client, auth):
    supervisor = auth.staff("supervisor")
    missing = client.post("/api/v1/reply-templates", json={"title": "t", "body": BODY}, headers=supervisor)
    assert missing.status_code == 422 and missing.get_json()["errors"] == {"department": ["请选择部门"]}
    made = client.post("/api/v1/reply-templates", json={"title": "t", "body": BODY, "department": "transport"},
                       headers=supervisor)
    assert made.status_code == 201
    assert [t["id"] for t in client.get("/api/v1/reply-templates?department=transport",
                                        headers=supervisor).get_json()["items"]] == [made.get_json()["id"]]
    for username in ("dispatcher", "trainer", "editor"):
        assert client.get("/api/v1/reply-templates", headers=auth.staff(username)).status_code == 403
    short = client.post("/api/v1/reply-templates", json={"title": "t", "body": "短", "department": "transport"},
                        headers=supervisor)
    assert short.status_code == 422 and "body" in short.get_json()["errors"]


def test_templates_are_filled_in_for_the_petition_of_the_handling_department(client, auth, residents):
    _, alice = residents.new()
    petition = file_petition(client, alice).get_json()
    assign(client, auth, petition["id"], "urban_management")
    clerk = auth.staff("clerk_urban_management")
    client.post("/api/v1/reply-templates", json={"title": "办结", "body": BODY}, headers=clerk)
    client.post("/api/v1/reply-templates", json={"title": "他部门", "body": BODY, "department": "transport"},
                headers=auth.staff("supervisor"))
    [rendered] = client.get(f"/api/v1/petitions/{petition['id']}/reply-templates", headers=clerk).get_json()["items"]
    assert re.fullmatch(rf"您好，您的诉求（编号 {petition['number']}）已于 \d{{4}}年\d{{1,2}}月\d{{1,2}}日 办结，"
                        r"\{unknown\} 保持原样。", rendered["text"])
    assert client.get(f"/api/v1/petitions/{petition['id']}/reply-templates",
                      headers=auth.staff("clerk_transport")).status_code == 404
