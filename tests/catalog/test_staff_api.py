"""The staff API under /api/v1/catalog/items: editors (and admin) only; schemas validate everything."""

import re

import pytest

from tests.catalog.conftest import demo_items

ITEMS = "/api/v1/catalog/items"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _codes(client, **args):
    return [item["code"] for item in client.get("/api/mp/services", query_string={**args, "limit": 100})
            .get_json()["items"]]


def test_only_editors_and_admin(client, auth):
    assert client.get(ITEMS).status_code == 401
    for username in ("clerk_public_security", "dispatcher", "trainer"):
        response = client.get(ITEMS, headers=auth.staff(username))
        assert response.status_code == 403 and CHINESE.search(response.get_json()["message"])
    assert client.get(ITEMS, headers=auth.service()).status_code == 403
    for username in ("editor", "admin"):
        assert client.get(ITEMS, headers=auth.staff(username)).status_code == 200
    assert client.post(f"{ITEMS}/320115-GA-001/unpublish", headers=auth.staff("dispatcher")).status_code == 403
    assert client.get("/api/mp/services/320115-GA-001").status_code == 200


def test_staff_list_includes_drafts_and_filters_by_status(client, auth):
    headers = auth.staff("editor")
    everything = client.get(ITEMS, query_string={"limit": 100}, headers=headers).get_json()
    assert everything["total"] == len(demo_items())
    drafts = client.get(ITEMS, query_string={"status": "draft", "limit": 100}, headers=headers).get_json()
    assert {item["code"] for item in drafts["items"]} == {i["code"] for i in demo_items() if i["status"] == "draft"}
    assert all(item["status"] == "draft" for item in drafts["items"])
    draft = drafts["items"][0]
    found = client.get(ITEMS, query_string={"q": draft["name"], "status": "draft"}, headers=headers).get_json()
    assert found["items"][0]["code"] == draft["code"]


def test_create_publish_edit_unpublish_is_searchable_at_once(client, auth, item_payload):
    headers = auth.staff("editor")
    response = client.post(ITEMS, json=item_payload, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "draft" and created["keywords"] == ["养蜂", "蜂农"]
    assert client.get(f"/api/mp/services/{item_payload['code']}").status_code == 404
    assert item_payload["code"] not in _codes(client, q="养蜂备案")
    assert item_payload["code"] not in _codes(client, q="蜂蜜养蜂")

    assert client.post(f"{ITEMS}/{item_payload['code']}/publish", headers=headers).get_json()["status"] == "published"
    assert _codes(client, q="养蜂备案")[0] == item_payload["code"]
    assert _codes(client, q="蜂蜜养蜂")[0] == item_payload["code"]
    assert client.get(f"/api/mp/services/{item_payload['code']}").get_json()["time_limit_text"] == \
        "承诺 5 个工作日（法定 20 个工作日）"

    response = client.patch(f"{ITEMS}/{item_payload['code']}", json={
        "name": "林下经济蘑菇种植备案", "aliases": ["种蘑菇备案"], "keywords": [], "summary": "蘑菇种植备案。",
        "materials": [], "faq": []}, headers=headers)
    assert response.status_code == 200 and response.get_json()["name"] == "林下经济蘑菇种植备案"
    assert _codes(client, q="种蘑菇")[0] == item_payload["code"]
    assert item_payload["code"] not in _codes(client, q="蜂蜜养蜂")

    client.post(f"{ITEMS}/{item_payload['code']}/unpublish", headers=headers)
    assert item_payload["code"] not in _codes(client, q="种蘑菇")
    assert client.get(f"/api/mp/services/{item_payload['code']}").status_code == 404


def test_duplicate_code_is_409(client, auth, item_payload):
    response = client.post(ITEMS, json={**item_payload, "code": "320115-GA-001"}, headers=auth.staff("admin"))
    assert response.status_code == 409
    assert response.get_json()["errors"]["code"] == ["事项编码已存在"]


def _material(**changes):
    return [{"name": "申请表", "form": "原件", "count": 1, "notes": "", **changes}]


@pytest.mark.parametrize("changes, field", [
    ({"materials": _material(form="传真件")}, "materials"),
    ({"materials": _material(count=0)}, "materials"),
    ({"materials": _material(name="")}, "materials"),
    ({"themes": ["买彩票"]}, "themes"),
    ({"themes": ["住房", "住房"]}, "themes"),
    ({"audience": "外国人"}, "audience"),
    ({"department": "ministry_of_magic"}, "department"),
    ({"legal_time_limit_days": -1}, "legal_time_limit_days"),
    ({"promised_time_limit_days": -5}, "promised_time_limit_days"),
    ({"promised_time_limit_days": 30, "legal_time_limit_days": 20}, "promised_time_limit_days"),
    ({"promised_time_limit_days": "十五"}, "promised_time_limit_days"),
    ({"name": "   "}, "name"),
    ({"name": "办" * 129}, "name"),
    ({"summary": ""}, "summary"),
    ({"code": "有空格 的编码"}, "code"),
    ({"online_url": "javascript:alert(1)"}, "online_url"),
    ({"aliases": "不是列表"}, "aliases"),
    ({"aliases": ["x" * 65]}, "aliases"),
    ({"faq": [{"question": "只有问题"}]}, "faq"),
    ({"color": "红色"}, "color"),
])
def test_invalid_items_are_refused_in_chinese(client, auth, item_payload, changes, field):
    headers = auth.staff("editor")
    response = client.post(ITEMS, json={**item_payload, **changes}, headers=headers)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert field in errors and CHINESE.search(str(errors[field]))
    assert client.get(f"{ITEMS}/{item_payload['code']}", headers=headers).status_code == 404


def test_missing_fields_are_named(client, auth):
    response = client.post(ITEMS, json={}, headers=auth.staff("editor"))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"code", "name", "department", "audience", "summary"}


def test_patch_validates_and_changes_nothing_on_error(client, auth):
    headers = auth.staff("editor")
    before = client.get(f"{ITEMS}/320115-GA-001", headers=headers).get_json()
    for payload in ({"name": ""}, {"code": "320115-NEW-001"}, {"status": "published"}, {"materials": _material(count=-1)}):
        response = client.patch(f"{ITEMS}/320115-GA-001", json=payload, headers=headers)
        assert response.status_code == 422, payload
    assert client.get(f"{ITEMS}/320115-GA-001", headers=headers).get_json() == before
    assert client.patch(f"{ITEMS}/320115-NOPE-001", json={"name": "新名称"}, headers=headers).status_code == 404
    assert client.post(f"{ITEMS}/320115-NOPE-001/publish", headers=headers).status_code == 404
    assert client.get(f"{ITEMS}/320115-NOPE-001", headers=headers).get_json()["message"] == "找不到该事项"
