"""Routing suggestions and table edits; the bot's petition endpoints; WeChat's content check."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.extensions import db
from backend.petitions.models import Petition
from tests.petitions.conftest import file_petition


def test_suggest_for_dispatcher_and_bot(client, auth):
    for headers in (auth.staff("dispatcher"), auth.service()):
        response = client.post("/api/v1/routing/suggest", json={"text": "楼下广场舞太吵了，晚上十点还在放音乐"},
                               headers=headers)
        assert response.status_code == 200
        body = response.get_json()
        assert body["category"] == "living_noise"
        assert body["department"] == {"code": "public_security", "name": "公安江宁分局"}
        assert 0.6 <= body["confidence"] <= 1 and body["confident"] is True


def test_suggest_gives_alternatives_and_refuses_others(client, auth, residents):
    response = client.post("/api/v1/routing/suggest", json={"text": "附近工地夜间施工噪音扰民"},
                           headers=auth.staff("dispatcher"))
    alternatives = response.get_json()["alternatives"]
    assert alternatives and alternatives[0]["department"]["code"] and alternatives[0]["category"]
    _, alice = residents.new()
    for headers in (auth.staff("clerk_transport"), alice, {}):
        assert client.post("/api/v1/routing/suggest", json={"text": "噪音"}, headers=headers).status_code in (401, 403)
    assert client.post("/api/v1/routing/suggest", json={"text": ""},
                       headers=auth.staff("dispatcher")).status_code == 422


def test_supervisor_reroutes_a_category_and_new_petitions_follow(client, auth, residents):
    supervisor = auth.staff("supervisor")
    rules = client.get("/api/v1/routing/rules", headers=supervisor).get_json()["items"]
    assert len(rules) == 44
    assert client.put("/api/v1/routing/rules/restaurant_fumes", json={"department": "ecology_environment"},
                      headers=auth.staff("dispatcher")).status_code == 403
    bad = client.put("/api/v1/routing/rules/restaurant_fumes", json={"department": "mars"}, headers=supervisor)
    assert bad.status_code == 422
    assert client.put("/api/v1/routing/rules/nothing", json={"department": "health"},
                      headers=supervisor).status_code == 404
    updated = client.put("/api/v1/routing/rules/restaurant_fumes", json={"department": "ecology_environment"},
                         headers=supervisor)
    assert updated.get_json()["department"]["code"] == "ecology_environment"
    _, alice = residents.new()
    pid = file_petition(client, alice).get_json()["id"]
    assert client.get(f"/api/mp/petitions/{pid}", headers=alice).get_json()["department"]["code"] == \
        "ecology_environment"


def test_bot_files_and_lists_petitions_for_a_resident(client, auth, residents):
    resident, alice = residents.new()
    body = {"sender_id": str(resident.id), "type": "投诉", "content": "老板拖欠工资三个月不给",
            "street": "jiangning", "address": "江宁街道某工地", "contact_consent": False}
    created = client.post("/api/v1/bot/petitions", json=body, headers=auth.service(), buffered=True)
    assert created.status_code == 201
    filed = created.get_json()
    assert set(filed) >= {"id", "number", "status", "department", "reply_deadline"}
    listed = client.get(f"/api/v1/bot/petitions?sender_id={resident.id}", headers=auth.service()).get_json()
    assert listed["items"][0]["number"] == filed["number"]
    assert listed["items"][0]["department"]["code"] == "hr_social_security"
    assert listed["items"][0]["status_label"] == "已受理"
    # The resident sees the bot's petition in the mini-program, tagged as the same workflow.
    assert client.get(f"/api/mp/petitions/{filed['id']}", headers=alice).status_code == 200


def test_bot_endpoints_need_the_service_token_and_a_known_resident(client, auth, residents):
    resident, alice = residents.new()
    body = {"sender_id": str(resident.id), "type": "投诉", "content": "老板拖欠工资三个月不给", "street": "jiangning"}
    assert client.post("/api/v1/bot/petitions", json=body, headers=alice).status_code == 403
    assert client.get(f"/api/v1/bot/petitions?sender_id={resident.id}",
                      headers=auth.staff("dispatcher")).status_code == 403
    unknown = client.post("/api/v1/bot/petitions", json={**body, "sender_id": "999999"}, headers=auth.service())
    assert unknown.status_code == 422 and "sender_id" in unknown.get_json()["errors"]
    weird = client.get("/api/v1/bot/petitions?sender_id=abc", headers=auth.service())
    assert weird.status_code == 422
    # Beyond an id's range (PostgreSQL refused 88889084847 with a 500): no such resident, a 422 like any other.
    for sender_id in ("88889084847", str(2**31), "١٢٣"):
        listed = client.get(f"/api/v1/bot/petitions?sender_id={sender_id}", headers=auth.service())
        filed = client.post("/api/v1/bot/petitions", json={**body, "sender_id": sender_id}, headers=auth.service())
        assert (listed.status_code, filed.status_code) == (422, 422), sender_id
        assert "sender_id" in filed.get_json()["errors"]


def test_wechat_content_check_refuses_risky_text_and_stores_nothing(app, client, residents, fake_wechat):
    _, alice = residents.new()
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Petition))
    response = file_petition(client, alice, content="这里有违禁词，请处理一下")
    assert response.status_code == 422
    assert "微信内容安全检测" in response.get_json()["errors"]["content"][0]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Petition)) == before
    assert file_petition(client, alice).status_code == 201
