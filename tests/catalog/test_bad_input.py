"""Bad input on the catalog endpoints: a clear Chinese 4xx or normal results, never a 500."""

import re

import pytest

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _assert_chinese_error(response, status, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert CHINESE.search(body["message"])
    if field:
        assert CHINESE.search(" ".join(body["errors"][field]))


def test_overlong_query_is_refused(client):
    # 201 characters: one over the limit and still a URL the server accepts (tests/core/test_bad_input: 414).
    response = client.get("/api/mp/services", query_string={"q": "身" * 201})
    _assert_chinese_error(response, 422, "q")
    assert "搜索内容过长" in response.get_json()["errors"]["q"][0]


def test_a_200_character_query_is_accepted(client):
    response = client.get("/api/mp/services", query_string={"q": "身份证" + "啊" * 197})
    assert response.status_code == 200
    assert response.get_json()["items"][0]["code"] == "320115-GA-001"


@pytest.mark.parametrize("args, field", [
    ({"page": "-1"}, "page"), ({"page": "0"}, "page"), ({"limit": "1000000"}, "limit"), ({"limit": "0"}, "limit"),
    ({"page": "abc"}, "page"), ({"theme": "不存在的主题"}, "theme"), ({"department": "no_such_department"}, "department"),
    ({"audience": "外星人"}, "audience"), ({"q": "身份证", "theme": "'; DROP TABLE service_items; --"}, "theme"),
])
def test_bad_arguments_are_422(client, args, field):
    _assert_chinese_error(client.get("/api/mp/services", query_string=args), 422, field)


@pytest.mark.parametrize("query", [
    "' OR 1=1 --", "\"; DROP TABLE service_items; --", "%", "_", "\\", "🙂🙂🙂", "😀身份证😀", "\u0000身份证", "   ",
    "<script>alert(1)</script>", "身份证" * 60,
])
def test_odd_queries_give_normal_results(client, query):
    response = client.get("/api/mp/services", query_string={"q": query})
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] >= len(body["items"])
    if "身份证" in query:
        assert body["items"][0]["code"] == "320115-GA-001"


def test_sql_fragments_are_just_words(client):
    everything = client.get("/api/mp/services").get_json()["total"]
    body = client.get("/api/mp/services", query_string={"q": "' OR 1=1 --"}).get_json()
    assert body["total"] < everything / 4


def test_invalid_utf8_in_the_query_string(client):
    response = client.get("/api/mp/services?q=%FF%FE")
    assert response.status_code == 200
    assert response.get_json()["items"] == []
    response = client.get("/api/mp/services?q=%E8%BA%AB%FF%E4%BB%BD%E8%AF%81")  # 身?份证
    assert response.status_code == 200


def test_odd_codes_are_404(client):
    # 4,000 digits: a long code still inside the URL limit (longer URLs are 414, see tests/core/test_bad_input).
    for path in ("/api/mp/services/%FF%FE", "/api/mp/services/'%20OR%201=1", "/api/mp/services/" + "9" * 4000):
        _assert_chinese_error(client.get(path), 404)


def test_staff_endpoints_refuse_bad_arguments(client, auth):
    headers = auth.staff("editor")
    _assert_chinese_error(client.get("/api/v1/catalog/items", query_string={"status": "gone"}, headers=headers),
                          422, "status")
    _assert_chinese_error(client.get("/api/v1/catalog/items", query_string={"q": "x" * 201}, headers=headers),
                          422, "q")
    _assert_chinese_error(client.patch("/api/v1/catalog/items/320115-GA-001", data=b"\xff\xfe", headers={
        **headers, "Content-Type": "application/json"}), 400)
    _assert_chinese_error(client.patch("/api/v1/catalog/items/320115-GA-001", json=["name"], headers=headers), 422)
