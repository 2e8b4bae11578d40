"""The authorization matrix: every endpoint of the URL map × every kind of caller, against authz_matrix.txt.

Each cell of the table is what one caller gets from one endpoint, with the request in REQUESTS:
  ok   the caller gets past authorization: any status but 401, 403 and 404 (and never ≥ 500)
  401  no or an invalid token        403  signed in, but not allowed        404  not theirs (existence hidden)
The resources are real: resident A's petition P (with a photo) routed to urban_management, A's conversation,
a notification addressed to the supervisors, a catalog item and a routing rule from the seed, a volunteer
activity A signed up for, an emergency alert, an Open311 partner and its request. "resident" is A,
"other_resident" is B; "clerk" is urban_management's clerk, "other_clerk" the transport clerk. Open311 partners
are let in by their api_key and the official account's webhook by WeChat's signature, not by a bearer token.
Every request runs in a savepoint that is rolled back, so no call sees another's effects.

A new endpoint fails test_every_endpoint_is_in_the_matrix until it has a row (see docs/testing.md).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.core.models import utcnow
from backend.directory.models import Staff
from backend.extensions import db
from backend.info.health.models import Facility
from backend.info.transit.models import TransitRoute
from tests.activities.conftest import window
from tests.info.conftest import fake_weather  # noqa: F401 — a fixture: the weather job reads it
from tests.info.test_notices import OUTAGE
from tests.petitions.conftest import VALID, jpeg_bytes, make_resident

MATRIX = Path(__file__).with_name("authz_matrix.txt")
CALLERS = ("anonymous", "resident", "other_resident", "clerk", "other_clerk", "dispatcher", "supervisor",
           "trainer", "editor", "organiser", "admin", "bot")
OUTCOMES = {"ok", "401", "403", "404"}
# Flask's static files and the API documentation (Swagger UI, /openapi.json) are not the API.
EXCLUDED_ENDPOINTS = ("static", "api-docs.", "docs_static.")

ALERT = {"level": "red", "title": "暴雨红色预警", "text": "预计未来 3 小时有特大暴雨，请勿外出，远离河道。",
         "streets": ["dongshan"], "valid_until": (utcnow() + timedelta(hours=6)).isoformat()}
OPEN311_REQUEST = {"api_key": "{api_key}", "service_code": "restaurant_fumes", "lat": "31.9512", "long": "118.8436",
                   "description": "竹山路100号烧烤店油烟直排，晚上熏得不能开窗", "address_string": "江宁区竹山路100号"}

# The request sent for a row (path placeholders are filled from the resources): valid enough that a caller who
# is allowed gets past argument parsing to the access checks, so that 404/403 from those checks show.
REQUESTS = {
    "POST /api/mp/auth/login": {"json": {"code": "matrix-{caller}#1"}},  # WeChat login codes are single-use
    "POST /api/v1/auth/token": {"json": {"username": "dispatcher", "password": "jiangning2026"}},
    "POST /api/mp/chat": {"json": {"text": "你好"}},
    "PATCH /api/mp/me": {"json": {"nickname": "矩阵"}},
    "POST /api/mp/petitions": {"json": VALID},
    "POST /api/mp/petitions/<int:petition_id>/rating": {"json": {"score": 5, "resolved": True}},
    "POST /api/mp/petitions/<int:petition_id>/reopen": {"json": {"reason": "问题没有解决"}},
    "POST /api/mp/petitions/<int:petition_id>/withdraw": {"json": {"reason": "已自行解决"}},
    "POST /api/v1/petitions/<int:petition_id>/transitions": {"json": {"action": "accept"}},
    "POST /api/v1/petitions/<int:petition_id>/replies": {"json": {"content": "已安排人员处理，请耐心等待"}},
    "POST /api/v1/petitions/<int:petition_id>/notes": {"json": {"body": "已电话联系"}},
    "POST /api/v1/bot/petitions": {"json": {**VALID, "sender_id": "{resident_id}"}},
    "GET /api/v1/bot/petitions": {"query": {"sender_id": "{resident_id}"}},
    "POST /api/v1/bot/handoff": {"json": {"sender_id": "{resident_id}", "reason": "转人工"}},
    "POST /api/v1/routing/suggest": {"json": {"text": "路灯坏了", "street": "dongshan"}},
    "PUT /api/v1/routing/rules/<string:category>": {"json": {"department": "urban_management"}},
    "DELETE /api/v1/routing/rules/<string:category>": {"query": {"street": "dongshan"}},
    "POST /api/v1/catalog/items": {"json": {
        "code": "matrix-item", "name": "矩阵测试事项", "department": "urban_management", "audience": "个人",
        "summary": "用于权限矩阵测试的事项"}},
    "PATCH /api/v1/catalog/items/<string:code>": {"json": {"fee": "不收费"}},
    "POST /api/v1/open311/partners": {"json": {"name": "矩阵合作方 {caller}"}},
    "PATCH /api/v1/open311/partners/<int:partner_id>": {"json": {"is_active": True}},
    "POST /api/v1/activities": {"json": window()},
    "POST /api/mp/activities/<int:activity_id>/signup": {"json": {"consent": True}},
    "POST /api/mp/activities/<int:activity_id>/checkin": {"json": {"code": "not-the-code"}},
    "POST /api/mp/activities/<int:activity_id>/checkout": {"json": {"code": "not-the-code"}},
    "POST /api/v1/alerts": {"json": ALERT},
    "PATCH /api/v1/reply-templates/<int:template_id>": {"json": {"title": "矩阵模板（改）"}},
    "PATCH /api/v1/alerts/<int:alert_id>": {"json": {"title": "暴雨红色预警（更新）"}},
    "POST /api/v1/alerts/<int:alert_id>/withdraw": {"json": {"reason": "预警解除"}},
    # Open311 partners are let in by the api_key in the form, whatever bearer token comes with it.
    "POST /open311/v2/requests.<any(json, xml):fmt>": {"form": OPEN311_REQUEST},
}


def read_matrix() -> dict[str, dict[str, str]]:
    """The table: "METHOD rule" → {caller: outcome}."""
    # Cells are apart by two spaces or more; a rule may hold one (<any(json, xml):fmt>).
    lines = [re.split(r" {2,}", line.strip()) for line in MATRIX.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    header, rows = lines[0], {}
    assert header[:2] == ["method", "rule"], f"{MATRIX.name} starts with the columns method, rule, callers…"
    for cells in lines[1:]:
        assert len(cells) == len(header), f"{MATRIX.name}: {cells[:2]} has {len(cells)} cells, not {len(header)}"
        key = f"{cells[0]} {cells[1]}"
        assert key not in rows, f"{key} is in the matrix twice"
        rows[key] = dict(zip(header[2:], cells[2:], strict=True))
    return rows


def api_endpoints(app) -> set[str]:
    """"METHOD rule" for every endpoint of the URL map except static files and the docs."""
    endpoints = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(EXCLUDED_ENDPOINTS):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            endpoints.add(f"{method} {rule.rule}")
    return endpoints


def test_every_endpoint_is_in_the_matrix(base_app):
    in_matrix, in_app = set(read_matrix()), api_endpoints(base_app)
    assert not in_app - in_matrix, f"endpoints missing from {MATRIX.name}: {sorted(in_app - in_matrix)}"
    assert not in_matrix - in_app, f"rows of {MATRIX.name} that are no endpoint: {sorted(in_matrix - in_app)}"


def test_the_matrix_is_well_formed():
    for key, row in read_matrix().items():
        assert tuple(row) == CALLERS, f"{key}: columns should be {CALLERS}"
        assert set(row.values()) <= OUTCOMES, f"{key}: outcomes must be one of {sorted(OUTCOMES)}: {row}"
    assert set(REQUESTS) <= set(read_matrix()), "REQUESTS for an endpoint that is not in the matrix"


def test_the_document_declares_the_security_the_matrix_shows(client):
    spec = client.get("/openapi.json").get_json()
    for key, row in read_matrix().items():
        method, rule = key.split(" ", 1)
        path = _openapi_path(rule)
        if path not in spec["paths"]:
            # Only webhooks that are not JSON APIs (the official account's XML) stay out of the document.
            assert not rule.startswith(("/api/", "/open311/")), f"{key} is missing from /openapi.json"
            continue
        operation = spec["paths"][path][method.lower()]
        security = operation.get("security")
        if row["anonymous"] == "401":
            # A token is required: bearer, or for staff also the console's cookie session; never optional.
            assert security and {"bearerAuth": []} in security and {} not in security, f"{key}: security {security!r}"
        else:
            # Anyone: no requirement, or an optional one (the console's session endpoints read a cookie if sent).
            assert security == [] or {} in security, f"{key}: security {security!r}"


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


@pytest.fixture
def resources(app, auth, client, fake_wechat, request):
    """Resident A's petition with a photo routed to urban_management, A's conversation, a supervisors'
    notification, a catalog item and a routing rule with a street override, an activity A signed up for, an
    alert, an Open311 partner and a request it filed; and every caller's headers."""
    from backend.catalog.models import ServiceItem
    from backend.conversations import service as conversations
    from backend.info.weather import service as weather
    from backend.notifications import service as notifications
    from backend.notifications.models import StaffNotification
    from backend.open311 import service as open311
    from backend.routing.models import RoutingRule

    request.getfixturevalue("fake_weather")
    with app.app_context():
        weather.refresh()  # what the worker does before residents ask
    alice, bob = make_resident(app), make_resident(app)
    headers = {
        "anonymous": {}, "resident": auth.resident(alice.id), "other_resident": auth.resident(bob.id),
        "clerk": auth.staff("clerk_urban_management"), "other_clerk": auth.staff("clerk_transport"),
        **{role: auth.staff(role) for role in ("dispatcher", "supervisor", "trainer", "editor", "organiser", "admin")},
        "bot": auth.service(),
    }
    phone = client.patch("/api/mp/me", json={"phone": "13812345678"}, headers=headers["resident"])
    assert phone.status_code == 200, phone.get_json()  # so that the handling clerk has a number to reveal
    form = {**VALID, "contact_consent": "true", "photos": [(io.BytesIO(jpeg_bytes()), "a.jpg")]}
    filed = client.post("/api/mp/petitions", data=form, headers=headers["resident"],
                        content_type="multipart/form-data", buffered=True)
    assert filed.status_code == 201, filed.get_json()
    petition_id = filed.get_json()["id"]
    petition = client.get(f"/api/mp/petitions/{petition_id}", headers=headers["resident"]).get_json()
    assert petition["status"] == "dispatched" and petition["department"]["code"] == "urban_management", petition
    with app.app_context():
        conversation_id, _ = conversations.open_conversation(resident_id=alice.id)
        notifications.deliver_alert(role="supervisor", kind="reply_overdue", message="权限矩阵测试提醒",
                                    source_key=f"matrix:{petition_id}", petition_id=petition_id)
        notification_id = db.session.scalars(select(StaffNotification.id)
                                             .where(StaffNotification.petition_id == petition_id)
                                             ).first()
        code = db.session.scalars(select(ServiceItem.code).where(ServiceItem.status == "published")
                                  .order_by(ServiceItem.code)).first()
        category = db.session.scalars(select(RoutingRule.category).order_by(RoutingRule.category)).first()
    # A street override for DELETE /api/v1/routing/rules/<category>?street= to remove.
    override = client.put(f"/api/v1/routing/rules/{category}", json={"department": "transport", "street": "dongshan"},
                          headers=headers["supervisor"])
    assert override.status_code == 200, override.get_json()
    activity = client.post("/api/v1/activities", json=window(), headers=headers["organiser"])
    assert activity.status_code == 201, activity.get_json()
    signup = client.post(f"/api/mp/activities/{activity.get_json()['id']}/signup", json={"consent": True},
                         headers=headers["resident"])  # A's sign-up, for cancel
    assert signup.status_code == 200, signup.get_json()
    alert = client.post("/api/v1/alerts", json=ALERT, headers=headers["supervisor"])
    assert alert.status_code == 201, alert.get_json()
    with app.app_context():
        partner, api_key = open311.create_partner(name="权限矩阵合作方", requests_per_minute=1000)
    filed = client.post("/open311/v2/requests.json", data={**_fill(OPEN311_REQUEST, {"api_key": api_key})},
                        buffered=True)
    assert filed.status_code == 201, filed.get_data(as_text=True)
    open311_request = filed.get_json()[0]
    values = {"activity_id": activity.get_json()["id"], "alert_id": alert.get_json()["id"], "fmt": "json", "partner_id": partner.id, "api_key": api_key, "service_code": "restaurant_fumes",
              "service_request_id": open311_request["service_request_id"], "token": open311_request["token"],
              "petition_id": petition_id, "photo_id": petition["photos"][0]["id"], "conversation_id": conversation_id,
              "notification_id": notification_id, "code": code, "category": category, "resident_id": alice.id}
    template = client.post("/api/v1/reply-templates", json={"title": "矩阵模板", "body": "您好，{number} 已受理"},
                           headers=headers["clerk"])  # urban_management's
    assert template.status_code == 201, template.get_json()
    # A published notice of its own: the demo notices are gone once a committing test has truncated them.
    notice = client.post("/api/v1/info/notices", json=OUTAGE, headers=headers["editor"])
    assert notice.status_code == 201, notice.get_json()
    for action, who in (("submit", "editor"), ("approve", "supervisor")):
        moved = client.post(f"/api/v1/info/notices/{notice.get_json()['id']}/transitions", json={"action": action},
                            headers=headers[who])
        assert moved.status_code == 200, moved.get_json()
    with app.app_context():
        values.update(
            template_id=template.get_json()["id"],
            notice_id=notice.get_json()["id"],
            route_id=db.session.scalar(select(func.min(TransitRoute.route_id))),
            facility_code=db.session.scalar(select(func.min(Facility.code))),
            staff_id=db.session.scalar(select(Staff.id).where(Staff.username == "editor")),
            kind="weather", path="tickets/1")
    return headers, values


def _fill(value, values: dict):
    if isinstance(value, str):
        return value.format(**values) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def _path(rule: str, values: dict) -> str:
    if rule.startswith("/api/v1/info/facilities/"):  # a facility's code, not the catalog item's
        values = {**values, "code": values["facility_code"]}
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule)


def _outcome(status: int) -> str:
    return str(status) if status in (401, 403, 404) else "ok"


def test_every_caller_gets_what_the_matrix_says(app, client, resources):
    headers, values = resources
    connection = db.session.session_factory.kw["bind"]
    mismatches, server_errors = [], []
    for key, row in read_matrix().items():
        method, rule = key.split(" ", 1)
        for caller in CALLERS:
            request = _fill(REQUESTS.get(key, {}), {**values, "caller": caller})
            savepoint = connection.begin_nested()
            try:
                response = client.open(_path(rule, values), method=method, headers=headers[caller],
                                       json=request.get("json"), data=request.get("form"),
                                       query_string=request.get("query"), buffered=True)
            finally:
                savepoint.rollback()
            if response.status_code >= 500:
                server_errors.append(f"{key} as {caller}: {response.status_code}")
            if _outcome(response.status_code) != row[caller]:
                mismatches.append(f"{key} as {caller}: expected {row[caller]}, got {response.status_code} "
                                  f"{response.get_data(as_text=True)[:160]}")
    assert not server_errors, "\n".join(server_errors)
    assert not mismatches, "\n".join(mismatches)
