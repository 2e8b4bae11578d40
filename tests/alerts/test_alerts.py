"""Emergency alerts: issued to the residents of chosen streets, delivered before routine messages queued earlier,
updated and withdrawn with every unsent message cancelled, proposed from weather warnings; all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from backend.alerts import service
from backend.core.models import utcnow
from backend.directory.service import get_street_by_code
from backend.extensions import db
from backend.outbox.delivery import deliver_due
from backend.outbox.models import PRIORITY_ALERT, PRIORITY_ROUTINE, OutboxMessage
from backend.residents.models import Resident

SUPERVISOR = "supervisor"


def _residents(app, street: str, count: int) -> list[int]:
    with app.app_context():
        street_id = get_street_by_code(code=street).id
        openids = [f"alert-{street}-{i}-{utcnow().timestamp()}" for i in range(count)]
        db.session.execute(insert(Resident), [{"openid": o, "nickname": "", "street_id": street_id} for o in openids])
        db.session.commit()
        return list(db.session.scalars(select(Resident.id).where(Resident.openid.in_(openids))))


def _body(**changes) -> dict:
    body = {"level": "red", "title": "暴雨红色预警", "text": "预计未来 3 小时有特大暴雨，请勿外出，远离河道。",
            "streets": ["dongshan", "moling"], "valid_until": (utcnow() + timedelta(hours=6)).isoformat()}
    body.update(changes)
    return body


def _alert_messages(app, alert_id: int, status: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        statement = select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"alert:{alert_id}:%"))
        if status:
            statement = statement.where(OutboxMessage.status == status)
        return list(db.session.scalars(statement.order_by(OutboxMessage.id)))


def test_issue_queues_one_message_per_resident_of_the_streets_and_is_audited(app, client, auth):
    dongshan, moling = _residents(app, "dongshan", 4), _residents(app, "moling", 3)
    elsewhere = _residents(app, "tangshan", 2)
    response = client.post("/api/v1/alerts", json=_body(), headers=auth.staff(SUPERVISOR))
    assert response.status_code == 201, response.get_json()
    alert = response.get_json()
    assert alert["status"] == "active" and alert["recipients"] >= 7 and alert["level_label"] == "红色预警"
    assert [s["code"] for s in alert["streets"]] == ["dongshan", "moling"]
    messages = _alert_messages(app, alert["id"])
    addressed = {m.payload["resident_id"] for m in messages}
    assert set(dongshan + moling) <= addressed and not addressed & set(elsewhere)
    assert len(messages) == alert["recipients"]
    assert {m.priority for m in messages} == {PRIORITY_ALERT} and {m.kind for m in messages} == {"emergency_alert"}
    [event] = alert["events"]
    assert event["action"] == "issue" and event["actor_role"] == SUPERVISOR
    assert event["details"]["recipients"] == alert["recipients"] and event["details"]["level"] == "red"


def test_alerts_are_sent_before_routine_messages_queued_earlier(app, client, auth, fake_wechat):
    [routine_resident] = _residents(app, "chunhua", 1)
    with app.app_context():
        now = utcnow()
        db.session.execute(insert(OutboxMessage), [{
            "kind": "wechat_subscribe", "dedupe_key": f"routine:{i}", "status": "pending", "attempts": 0,
            "priority": PRIORITY_ROUTINE, "next_attempt_at": now - timedelta(minutes=5), "created_at": now,
            "updated_at": now, "payload": {"resident_id": routine_resident, "template": "petition_update",
                                           "data": {"remark": f"例行消息 {i}"}}} for i in range(25)])
        db.session.commit()
    _residents(app, "dongshan", 12)
    alert = client.post("/api/v1/alerts", json=_body(streets=["dongshan"]), headers=auth.staff(SUPERVISOR)).get_json()
    with app.app_context():
        report = deliver_due(limit=1000)
    assert len(report.sent) == 25 + alert["recipients"] and not report.failed
    templates = [m["template_id"] for m in fake_wechat.messages()]
    alert_template = app.config["SETTINGS"].wechat_alert_template_id
    assert templates[:alert["recipients"]] == [alert_template] * alert["recipients"]
    assert alert_template not in templates[alert["recipients"]:]
    first = fake_wechat.messages()[0]["data"]
    assert first["phrase1"] == {"value": "红色预警"} and first["thing2"] == {"value": "暴雨红色预警"}
    assert first["thing4"] == {"value": "东山街道"}


def test_update_resends_as_a_new_version_and_cancels_the_old_unsent(app, client, auth, fake_wechat):
    _residents(app, "dongshan", 3)
    staff = auth.staff(SUPERVISOR)
    alert = client.post("/api/v1/alerts", json=_body(streets=["dongshan"], level="orange"), headers=staff).get_json()
    first_version = _alert_messages(app, alert["id"])
    response = client.patch(f"/api/v1/alerts/{alert['id']}", json={"level": "red", "title": "暴雨升级为红色预警"},
                            headers=staff)
    updated = response.get_json()
    assert response.status_code == 200 and updated["version"] == 2
    assert {m.status for m in _alert_messages(app, alert["id"]) if m.id in {f.id for f in first_version}} == \
        {"cancelled"}
    assert len(_alert_messages(app, alert["id"], "pending")) == updated["recipients"]
    event = updated["events"][-1]
    assert event["action"] == "update" and event["details"]["before"]["level"] == "orange"
    assert event["details"]["after"]["level"] == "red"
    # A message of the old version claimed anyway is not sent: the alert says something else now.
    with app.app_context():
        db.session.execute(OutboxMessage.__table__.update().where(OutboxMessage.id == first_version[0].id)
                           .values(status="pending"))
        db.session.commit()
        deliver_due(limit=100)
    assert {m["data"]["phrase1"]["value"] for m in fake_wechat.messages()} == {"红色预警"}
    assert _alert_messages(app, alert["id"])[0].status == "failed"
    # Nothing changed: no new version.
    same = client.patch(f"/api/v1/alerts/{alert['id']}", json={"level": "red"}, headers=staff).get_json()
    assert same["version"] == 2 and len(same["events"]) == 2


def test_withdraw_cancels_unsent_messages_and_leaves_the_feed(app, client, auth):
    _residents(app, "moling", 3)
    staff = auth.staff(SUPERVISOR)
    alert = client.post("/api/v1/alerts", json=_body(streets=["moling"]), headers=staff).get_json()
    feed = client.get("/api/mp/alerts?street=moling").get_json()
    assert alert["id"] in [a["id"] for a in feed["items"]]
    assert alert["id"] not in [a["id"] for a in client.get("/api/mp/alerts?street=jiangning").get_json()["items"]]
    response = client.post(f"/api/v1/alerts/{alert['id']}/withdraw", json={"reason": "预警解除"}, headers=staff)
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert _alert_messages(app, alert["id"], "pending") == []
    assert len(_alert_messages(app, alert["id"], "cancelled")) == alert["recipients"]
    assert alert["id"] not in [a["id"] for a in client.get("/api/mp/alerts?street=moling").get_json()["items"]]
    again = client.post(f"/api/v1/alerts/{alert['id']}/withdraw", json={}, headers=staff)
    assert again.status_code == 409 and again.get_json()["message"] == "预警已撤回"
    assert client.patch(f"/api/v1/alerts/{alert['id']}", json={"text": "改"}, headers=staff).status_code == 409
    events = client.get(f"/api/v1/alerts/{alert['id']}", headers=staff).get_json()["events"]
    assert [e["action"] for e in events] == ["issue", "withdraw"] and events[1]["reason"] == "预警解除"


def test_propose_from_warning_waits_for_a_supervisor(app, client, auth):
    _residents(app, "tangshan", 2)
    end = utcnow() + timedelta(hours=12)
    warning = {"id": "10101-20261202-rain", "streets": ["tangshan"], "type": "暴雨", "level": "Orange",
               "text": "汤山街道将出现 50 毫米以上降雨。", "end": end}
    with app.app_context():
        assert service.propose_from_warning(warning={**warning, "id": "w-yellow", "level": "黄色"}) is None
        alert = service.propose_from_warning(warning=warning)
        assert (alert.status, alert.level, alert.title, alert.source) == (
            "pending_confirmation", "orange", "暴雨橙色预警", "weather")
        assert service.propose_from_warning(warning=warning).id == alert.id  # once per warning
        alert_id = alert.id
    assert _alert_messages(app, alert_id) == []
    assert alert_id not in [a["id"] for a in client.get("/api/mp/alerts").get_json()["items"]]
    staff = auth.staff(SUPERVISOR)
    confirmed = client.post(f"/api/v1/alerts/{alert_id}/confirm", headers=staff).get_json()
    assert confirmed["status"] == "active" and confirmed["recipients"] >= 2
    assert len(_alert_messages(app, alert_id, "pending")) == confirmed["recipients"]
    assert [e["action"] for e in confirmed["events"]] == ["propose", "confirm"]
    assert confirmed["events"][0]["actor_kind"] == "service"
    assert client.post(f"/api/v1/alerts/{alert_id}/confirm", headers=staff).status_code == 409
    pending = client.get("/api/v1/alerts?status=pending_confirmation", headers=staff).get_json()
    assert alert_id not in [a["id"] for a in pending["items"]]


@pytest.mark.parametrize(("change", "field"), [
    ({"level": "purple"}, "level"), ({"streets": []}, "streets"), ({"streets": ["nowhere"]}, "streets"),
    ({"title": " "}, "title"), ({"text": "a\x00"}, "text"), ({"valid_until": "9999-01-01T00:00:00"}, "valid_until"),
    ({"valid_until": (utcnow() - timedelta(hours=1)).isoformat()}, "valid_until"), ({"streets": "dongshan"}, "streets"),
])
def test_bad_alerts_are_refused_in_chinese(client, auth, change, field):
    response = client.post("/api/v1/alerts", json=_body(**change), headers=auth.staff(SUPERVISOR))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_only_supervisors_issue_alerts(client, auth):
    for username in ("editor", "organiser", "clerk_urban_management"):
        assert client.post("/api/v1/alerts", json=_body(), headers=auth.staff(username)).status_code == 403
    assert client.post("/api/v1/alerts", json=_body()).status_code == 401
    assert client.post("/api/v1/alerts", json=_body(), headers=auth.staff("admin")).status_code == 201
    assert client.get("/api/v1/alerts/2147483647", headers=auth.staff(SUPERVISOR)).status_code == 404
    assert client.get("/api/mp/alerts?street=nowhere").status_code == 422


def test_routine_messages_wait_while_an_alert_is_being_sent_elsewhere(app):
    from backend.outbox.delivery import claim

    [resident] = _residents(app, "guli", 1)
    with app.app_context():
        now = utcnow()

        def row(key, priority, status="pending", **extra):
            return {"kind": "wechat_subscribe", "dedupe_key": key, "status": status, "attempts": 0,
                    "priority": priority, "next_attempt_at": now - timedelta(seconds=1), "created_at": now,
                    "updated_at": now, "payload": {"resident_id": resident}, **extra}

        db.session.execute(insert(OutboxMessage), [
            row("routine", PRIORITY_ROUTINE),
            # Another worker is sending this alert right now (its lease runs).
            row("alert-in-flight", PRIORITY_ALERT, "sending", locked_until=now + timedelta(minutes=1)),
            # This one failed once and retries later: it holds nothing back.
            row("alert-retrying", PRIORITY_ALERT, next_attempt_at=now + timedelta(minutes=10)),
        ])
        db.session.commit()
        keys = lambda ids: set(db.session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.id.in_(ids))))  # noqa: E731
        assert claim(10) == []
        db.session.execute(OutboxMessage.__table__.update().where(OutboxMessage.dedupe_key == "alert-in-flight")
                           .values(status="sent"))
        db.session.commit()
        assert keys(claim(10)) == {"routine"}
