"""Per-street routing overrides: a (category, street) rule wins over the county-wide rule of the category."""

from tests.petitions.conftest import Residents, file_petition

FUMES = "小区门口烧烤摊油烟很大，每天晚上熏得不能开窗"


def _county_department(client, supervisor) -> str:
    rules = client.get("/api/v1/routing/rules", headers=supervisor).get_json()["items"]
    return next(r for r in rules if r["category"] == "restaurant_fumes")["department"]["code"]


def _suggest(client, headers, **body) -> dict:
    response = client.post("/api/v1/routing/suggest", json={"text": FUMES, **body}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_street_override_wins_in_its_street_only(client, auth):
    supervisor, dispatcher = auth.staff("supervisor"), auth.staff("dispatcher")
    county = _county_department(client, supervisor)
    assert county != "ecology_environment"
    response = client.put("/api/v1/routing/rules/restaurant_fumes",
                          json={"department": "ecology_environment", "street": "dongshan"}, headers=supervisor)
    assert response.status_code == 200
    rule = response.get_json()
    assert rule["department"]["code"] == county  # the county-wide rule is untouched
    assert [(o["street"]["code"], o["department"]["code"]) for o in rule["overrides"]] == [
        ("dongshan", "ecology_environment")]
    listed = client.get("/api/v1/routing/rules", headers=dispatcher).get_json()["items"]
    assert next(r for r in listed if r["category"] == "restaurant_fumes")["overrides"][0]["street"]["name"]
    assert _suggest(client, dispatcher, street="dongshan")["department"]["code"] == "ecology_environment"
    assert _suggest(client, auth.service(), street="dongshan")["department"]["code"] == "ecology_environment"
    assert _suggest(client, dispatcher, street="lukou")["department"]["code"] == county
    assert _suggest(client, dispatcher)["department"]["code"] == county
    # Editing the same street again replaces its override instead of adding a second one.
    again = client.put("/api/v1/routing/rules/restaurant_fumes",
                       json={"department": "market_regulation", "street": "dongshan"}, headers=supervisor).get_json()
    assert [o["department"]["code"] for o in again["overrides"]] == ["market_regulation"]


def test_filed_petitions_are_routed_by_their_street(app, client, auth):
    supervisor = auth.staff("supervisor")
    county = _county_department(client, supervisor)
    client.put("/api/v1/routing/rules/restaurant_fumes", json={"department": "ecology_environment",
                                                               "street": "dongshan"}, headers=supervisor)
    _, alice = Residents(app).new()
    in_dongshan = file_petition(client, alice).get_json()["id"]  # VALID files in dongshan
    elsewhere = file_petition(client, alice, street="lukou", community=None).get_json()["id"]
    department = {pid: client.get(f"/api/mp/petitions/{pid}", headers=alice).get_json()["department"]["code"]
                  for pid in (in_dongshan, elsewhere)}
    assert department == {in_dongshan: "ecology_environment", elsewhere: county}


def test_removing_an_override_restores_the_county_wide_rule(client, auth):
    supervisor, dispatcher = auth.staff("supervisor"), auth.staff("dispatcher")
    county = _county_department(client, supervisor)
    client.put("/api/v1/routing/rules/restaurant_fumes", json={"department": "ecology_environment",
                                                               "street": "dongshan"}, headers=supervisor)
    assert client.delete("/api/v1/routing/rules/restaurant_fumes?street=dongshan",
                         headers=dispatcher).status_code == 403
    removed = client.delete("/api/v1/routing/rules/restaurant_fumes?street=dongshan", headers=supervisor)
    assert removed.status_code == 200 and removed.get_json()["overrides"] == []
    assert _suggest(client, dispatcher, street="dongshan")["department"]["code"] == county
    missing = client.delete("/api/v1/routing/rules/restaurant_fumes?street=dongshan", headers=supervisor)
    assert missing.status_code == 404 and missing.get_json()["message"] == "该街道没有单独的分拨规则"


def test_street_overrides_refuse_bad_input(client, auth):
    supervisor, dispatcher = auth.staff("supervisor"), auth.staff("dispatcher")
    body = {"department": "ecology_environment", "street": "dongshan"}
    assert client.put("/api/v1/routing/rules/restaurant_fumes", json=body, headers=dispatcher).status_code == 403
    assert client.put("/api/v1/routing/rules/nothing", json=body, headers=supervisor).status_code == 404
    for bad, field in (({**body, "street": "atlantis"}, "street"), ({**body, "department": "mars"}, "department")):
        response = client.put("/api/v1/routing/rules/restaurant_fumes", json=bad, headers=supervisor)
        assert response.status_code == 422 and field in response.get_json()["errors"]
    response = client.post("/api/v1/routing/suggest", json={"text": FUMES, "street": "atlantis"}, headers=dispatcher)
    assert response.status_code == 422 and response.get_json()["errors"]["street"] == ["街道不存在"]
    assert client.delete("/api/v1/routing/rules/restaurant_fumes", headers=supervisor).status_code == 422
    rules = client.get("/api/v1/routing/rules", headers=supervisor).get_json()["items"]
    assert all(r["overrides"] == [] for r in rules)
