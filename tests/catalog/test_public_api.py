"""The resident API: /api/mp/services, /api/mp/services/<code>, /api/mp/themes."""

from collections import Counter

import pytest

from tests.catalog.conftest import demo_items

SUMMARY_KEYS = {"code", "name", "department", "audience", "themes", "summary", "promised_time_limit_days",
                "time_limit_text", "fee"}
DETAIL_KEYS = {"code", "name", "department", "audience", "themes", "aliases", "summary", "conditions", "materials",
               "steps", "legal_time_limit_days", "promised_time_limit_days", "time_limit_text", "fee", "places",
               "online_url", "faq", "updated_at"}


def _published():
    return [item for item in demo_items() if item["status"] == "published"]


def test_search_returns_the_contract_shape_ranked(client):
    body = client.get("/api/mp/services", query_string={"q": "身份证丢了怎么办", "limit": 3}).get_json()
    assert set(body) == {"items", "total", "page", "limit"}
    assert body["page"] == 1 and body["limit"] == 3 and body["total"] >= 1
    first = body["items"][0]
    assert set(first) == SUMMARY_KEYS | {"score"}
    assert first["code"] == "320115-GA-001"
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert first["department"] == {"code": "public_security", "name": "公安江宁分局"}
    assert first["time_limit_text"] == "承诺 15 个工作日（法定 60 个工作日）"


def test_browse_lists_published_items_by_department_then_code(client):
    from backend.directory.seed import read_tsv

    order = {row["code"]: index for index, row in enumerate(read_tsv("departments.tsv"))}
    body = client.get("/api/mp/services", query_string={"limit": 100}).get_json()
    codes = [item["code"] for item in body["items"]]
    expected = sorted(_published(), key=lambda item: (order[item["department"]], item["code"]))
    assert codes == [item["code"] for item in expected]
    assert body["total"] == len(expected)


def test_pages_are_disjoint_and_cover_everything(client):
    first = client.get("/api/mp/services", query_string={"limit": 5, "page": 1}).get_json()
    second = client.get("/api/mp/services", query_string={"limit": 5, "page": 2}).get_json()
    assert not {i["code"] for i in first["items"]} & {i["code"] for i in second["items"]}
    assert len(second["items"]) == 5 and first["total"] == second["total"]


def test_drafts_are_invisible_to_residents(client):
    drafts = [item["code"] for item in demo_items() if item["status"] == "draft"]
    assert drafts
    for code in drafts:
        response = client.get(f"/api/mp/services/{code}")
        assert response.status_code == 404
        assert "找不到该办事事项" in response.get_json()["message"]
        draft = next(item for item in demo_items() if item["code"] == code)
        found = client.get("/api/mp/services", query_string={"q": draft["name"], "limit": 100}).get_json()
        assert code not in [item["code"] for item in found["items"]]


def test_detail_is_the_full_guide(client):
    response = client.get("/api/mp/services/320115-GA-001")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == DETAIL_KEYS
    source = next(item for item in demo_items() if item["code"] == "320115-GA-001")
    for key in ("name", "aliases", "conditions", "steps", "places", "faq", "fee", "online_url"):
        assert body[key] == source[key]
    assert body["materials"][0] == source["materials"][0]
    assert set(body["materials"][0]) == {"name", "form", "count", "notes"}
    assert body["legal_time_limit_days"] == 60 and body["promised_time_limit_days"] == 15


def test_items_handled_on_the_spot_say_so(client):
    immediate = next(item for item in _published() if item["promised_time_limit_days"] == 0)
    body = client.get(f"/api/mp/services/{immediate['code']}").get_json()
    assert body["time_limit_text"] == "即办"


def test_unknown_code_is_a_chinese_404(client):
    response = client.get("/api/mp/services/320115-XX-999")
    assert response.status_code == 404
    assert response.get_json()["message"] == "找不到该办事事项，可能已下线或编码有误"


def test_themes_count_published_items(client):
    items = client.get("/api/mp/themes").get_json()["items"]
    expected = Counter(theme for item in _published() for theme in item["themes"])
    assert {theme["name"]: theme["count"] for theme in items if theme["count"]} == dict(expected)


@pytest.mark.parametrize("args", [
    {"theme": "社会保障"}, {"department": "public_security"}, {"audience": "法人"},
    {"q": "证明", "theme": "住房"}, {"q": "登记", "department": "civil_affairs", "audience": "个人"},
])
def test_filters_restrict_search_and_browse(client, args):
    body = client.get("/api/mp/services", query_string={**args, "limit": 100}).get_json()
    assert body["items"]
    source = {item["code"]: item for item in _published()}
    for item in body["items"]:
        if "theme" in args:
            assert args["theme"] in item["themes"]
        if "department" in args:
            assert item["department"]["code"] == args["department"]
        if "audience" in args:
            assert item["audience"] == args["audience"]
        assert item["code"] in source
