"""The petition metrics over constructed data, by department and by street, and who may read them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from backend.calendar.service import BEIJING
from backend.directory.service import get_department_by_code
from backend.extensions import db
from backend.petitions import intake
from backend.petitions.models import Petition, PetitionRating
from tests.petitions.conftest import VALID, make_resident

T0 = datetime(2026, 11, 2, 10, tzinfo=BEIJING)  # a Monday


def _petition(resident, *, department, street="dongshan", status="dispatched", accepted_after=None,
              closed_after=None, returned=0, rating=None, created=T0):
    filed, _ = intake.submit(resident=resident, uploads=[], idempotency_key=None, data={
        **VALID, "street": street, "community": None, "urgency": "normal", "latitude": None, "longitude": None,
        "content": f"{department}/{status}/{accepted_after}/{closed_after}/{returned}/{rating}：烧烤摊油烟扰民"})
    petition = db.session.get(Petition, filed.id)
    petition.created_at = created
    petition.accept_by, petition.close_by = created + timedelta(days=1), created + timedelta(days=20)
    petition.department_id = get_department_by_code(code=department).id if department else None
    petition.status = status
    petition.returned_count = returned
    if accepted_after is not None:
        petition.accepted_at = created + accepted_after
    if closed_after is not None:
        petition.closed_at = created + closed_after
    if rating:
        db.session.add(PetitionRating(petition_id=petition.id, round=0, score=rating[0], resolved=rating[1]))
    db.session.commit()
    return petition


@pytest.fixture
def dataset(app):
    with app.app_context():
        resident = db.session.merge(make_resident(app))
        hour, days = timedelta(hours=1), timedelta(days=1)
        # 城市管理局: 4 due, 3 accepted in time (one late); 3 rated: 2 resolved, 2 satisfied; 1 of 3 closed late.
        _petition(resident, department="urban_management", status="closed", accepted_after=hour,
                  closed_after=5 * days, rating=(5, True))
        _petition(resident, department="urban_management", status="closed", accepted_after=hour,
                  closed_after=25 * days, rating=(2, False), street="moling")
        _petition(resident, department="urban_management", status="closed", accepted_after=2 * days,
                  closed_after=10 * days, rating=(4, True), returned=1)
        _petition(resident, department="urban_management", status="accepted", accepted_after=hour)
        # 交通运输局: one dispatched and not yet due (filed now), one returned twice.
        _petition(resident, department="transport", created=datetime.now(BEIJING))
        _petition(resident, department=None, status="returned", returned=2, street="moling")
        # Withdrawn petitions and those outside the period do not count.
        _petition(resident, department="urban_management", status="withdrawn")
        _petition(resident, department="urban_management", status="closed", accepted_after=hour,
                  closed_after=days, rating=(1, False), created=T0 - timedelta(days=60))


def _get(client, auth, query):
    response = client.get(f"/api/v1/analytics/petitions?{query}", headers=auth.staff("supervisor"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_metrics_by_department(client, auth, dataset):
    body = _get(client, auth, "group_by=department&from=2026-10-15&to=2026-12-31")
    groups = {(i["group"] or {}).get("code"): i for i in body["items"]}
    urban = groups["urban_management"]
    assert urban["total"] == 4
    assert (urban["accepted_in_time"], urban["due_for_acceptance"], urban["response_rate"]) == (3, 4, 0.75)
    assert (urban["resolved"], urban["rated"], urban["resolution_rate"]) == (2, 3, 0.6667)
    assert urban["satisfaction_rate"] == 0.6667
    assert (urban["closed_in_time"], urban["closed"], urban["on_time_closure_rate"]) == (2, 3, 0.6667)
    assert (urban["returned"], urban["dispatched"], urban["return_rate"]) == (1, 4, 0.25)
    transport = groups["transport"]
    assert transport["due_for_acceptance"] == 0 and transport["response_rate"] is None
    assert transport["rated"] == 0 and transport["satisfaction_rate"] is None
    assert groups[None]["returned"] == 1
    assert body["overall"]["total"] == 6 and body["overall"]["return_rate"] == round(2 / 6, 4)


def test_metrics_by_street_and_period(client, auth, dataset):
    body = _get(client, auth, "group_by=street&from=2026-10-15&to=2026-12-31")
    groups = {i["group"]["code"]: i for i in body["items"]}
    assert groups["dongshan"]["total"] == 4 and groups["moling"]["total"] == 2
    assert groups["moling"]["satisfaction_rate"] == 0.0
    older = _get(client, auth, "group_by=street&from=2026-08-01&to=2026-10-01")
    assert older["overall"]["total"] == 1 and older["overall"]["satisfaction_rate"] == 0.0


def test_metrics_need_a_supervisor_and_a_sane_period(client, auth):
    for username in ("clerk_transport", "dispatcher", "trainer"):
        assert client.get("/api/v1/analytics/petitions", headers=auth.staff(username)).status_code == 403
    bad = client.get("/api/v1/analytics/petitions?group_by=moon&from=2026-12-01&to=2026-01-01",
                     headers=auth.staff("supervisor"))
    assert bad.status_code == 422 and "group_by" in bad.get_json()["errors"]
    reversed_period = client.get("/api/v1/analytics/petitions?from=2026-12-01&to=2026-01-01",
                                 headers=auth.staff("supervisor"))
    assert reversed_period.status_code == 422 and "from" in reversed_period.get_json()["errors"]
