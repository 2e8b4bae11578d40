"""The bad-input table: every hostile body, number, date, id and URL gets a Chinese 4xx JSON error and changes nothing.

Endpoints come from the app's URL map, so a new JSON endpoint is covered without editing this file.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from backend.app import create_app
from backend.core import edge
from backend.extensions import db
from backend.settings import Settings
from tests.conversations.conftest import make_resident

CHINESE = re.compile(r"[\u4e00-\u9fff]")
BIG = "9" * 5000


def _routes() -> list[tuple[str, str]]:
    # The URL map is the same for every app; build one without a database to parametrize over it.
    app = create_app(Settings.from_env({"APP_ENV": "test", "SECRET_KEY": "x" * 40,
                                        "DATABASE_URL": "sqlite:///:memory:"}))
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  for method in rule.methods - {"HEAD", "OPTIONS"} if not rule.rule.startswith(("/static", "/api/docs")))


ROUTES = _routes()
BODY_ROUTES = [(m, r) for m, r in ROUTES if m in {"POST", "PUT", "PATCH"}]
ID_ROUTES = [(m, r) for m, r in ROUTES if "<int:" in r]


def _path(rule: str, int_value: str = "1") -> str:
    return re.sub(r"<string:[^>]+>|<(?!int:)[^>]+>", "x", re.sub(r"<int:[^>]+>", int_value, rule))


@pytest.fixture
def who(app, auth):
    """Authorization headers for a path: a resident under /api/mp, the bot under /api/v1/bot, else admin."""
    _, resident = make_resident(app)
    headers = {"mp": resident, "bot": auth.service(), "staff": auth.staff("admin")}

    def for_path(path: str) -> dict:
        if path.startswith("/api/mp/"):
            return headers["mp"]
        return headers["bot"] if path.startswith("/api/v1/bot/") else headers["staff"]
    return for_path


@pytest.fixture
def unchanged(app):
    """Asserts at teardown that no table gained, lost or changed rows (count and max id) during the test."""
    def snapshot():
        with app.app_context():
            db.session.remove()
            state = {}
            for table in db.metadata.sorted_tables:
                columns = [func.count()] + ([func.max(table.c.id)] if "id" in table.c else [])
                state[table.name] = tuple(db.session.execute(select(*columns).select_from(table)).one())
            return state
    before = snapshot()
    yield
    assert snapshot() == before


def assert_error(response, status: int, field: str | None = None) -> dict:
    """A JSON error of the given status with a Chinese message (and a Chinese message for field)."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert {"code", "status", "message"} <= set(body) <= {"code", "status", "message", "errors"}
    assert body["code"] == status and CHINESE.search(body["message"])
    if field is not None:
        assert CHINESE.search(" ".join(body["errors"][field])), body
    return body


JSON_BODIES = {
    "deep array": ("[" * 10000 + "]" * 10000, 400, None),
    "deep object": ('{"a":' * 100 + "1" + "}" * 100, 400, None),
    "33 levels": ("[" * 33 + "]" * 33, 400, None),
    "too large": (json.dumps({"text": "长" * 100_000}, ensure_ascii=False), 413, None),
    "5000-digit integer": ('{"text": ' + BIG + "}", 422, "text"),
    "nested 5000-digit integer": ('{"items": [{"count": -' + BIG + "}]}", 422, "items.0.count"),
    "NUL": ('{"text": "a\\u0000b"}', 422, "text"),
    "control character": ('{"text": "a\\u001bb"}', 422, "text"),
    "lone surrogate": ('{"text": "\\ud800"}', 422, "text"),
    "NUL in a key": ('{"a\\u0000": 1}', 422, "_schema"),
    "not JSON": ('{"text": ', 400, None),
    "not UTF-8": (b'{"text": "\xff"}', 400, None),
}


@pytest.mark.parametrize("method, rule", BODY_ROUTES)
@pytest.mark.parametrize("case", sorted(JSON_BODIES))
def test_hostile_json_bodies_on_every_json_endpoint(client, who, unchanged, method, rule, case):
    body, status, field = JSON_BODIES[case]
    path = _path(rule)
    response = client.open(path, method=method, data=body, headers={**who(path), "Content-Type": "application/json"})
    assert_error(response, status, field)


def test_the_limits_leave_room_for_real_bodies(client, who):
    path = "/api/v1/routing/suggest"
    nested = {"text": "路灯坏了", "extra": json.loads("[" * (edge.MAX_JSON_DEPTH - 2) + "]" * (edge.MAX_JSON_DEPTH - 2))}
    response = client.post(path, json=nested, headers=who(path))
    assert_error(response, 422, "extra")  # refused by the schema as an unknown field, not by the depth limit


# (method, path, body or None, query or None, status, field) — a resident token for /api/mp, admin for /api/v1.
FIELD_CASES = [
    ("POST", "/api/mp/chat", {"text": "\u200b\u200b"}, None, 422, "text"),
    ("POST", "/api/mp/chat", {"text": "\u200b \u2060\ufeff"}, None, 422, "text"),
    ("POST", "/api/mp/chat", {"text": 12.5}, None, 422, "text"),
    ("PATCH", "/api/mp/me", {"nickname": "\u200b"}, None, 422, "nickname"),
    ("PATCH", "/api/mp/me", {"nickname": 10**30}, None, 422, "nickname"),
    ("PATCH", "/api/mp/me", {"street_code": "\u200c"}, None, 422, "street_code"),
    ("POST", "/api/mp/auth/login", {"code": "\u200b"}, None, 422, "code"),
    ("POST", "/api/mp/auth/login", {"code": 2**64}, None, 422, "code"),
    ("POST", "/api/v1/auth/token", {"username": "\u200b", "password": "x"}, None, 422, "username"),
    ("POST", "/api/v1/auth/token", {"username": "admin", "password": 2**70}, None, 422, "password"),
    ("POST", "/api/mp/petitions/1/rating", {"score": 2**63, "resolved": True}, None, 422, "score"),
    ("POST", "/api/mp/petitions/1/rating", {"score": 2**31, "resolved": True}, None, 422, "score"),
    ("POST", "/api/mp/petitions/1/rating", {"score": 4.5, "resolved": True}, None, 422, "score"),
    ("POST", "/api/mp/petitions/1/rating", {"score": 1e400, "resolved": True}, None, 422, "score"),
    ("POST", "/api/mp/petitions/1/rating", {"score": 5, "resolved": True, "comment": "\u200b"}, None, 422, "comment"),
    ("POST", "/api/mp/petitions/1/reopen", {"reason": "\u200b\u200b\u200b"}, None, 422, "reason"),
    ("POST", "/api/v1/petitions/1/transitions", {"action": "request_extension", "days": 2.5}, None, 422, "days"),
    ("POST", "/api/v1/petitions/1/transitions", {"action": "request_extension", "days": 2**63}, None, 422, "days"),
    ("POST", "/api/v1/petitions/1/transitions", {"action": "request_extension", "days": 2**31}, None, 422, "days"),
    ("POST", "/api/v1/petitions/1/transitions", {"action": "request_extension", "days": -(2**63) - 1}, None, 422,
     "days"),
    ("POST", "/api/v1/petitions/1/notes", {"body": "\u200b"}, None, 422, "body"),
    ("POST", "/api/v1/petitions/1/replies", {"content": "\u200b" * 6}, None, 422, "content"),
    ("POST", "/api/v1/routing/suggest", {"text": "\ufeff"}, None, 422, "text"),
    ("PATCH", "/api/v1/catalog/items/320115-GA-001", {"name": "\u200b"}, None, 422, "name"),
    ("PATCH", "/api/v1/catalog/items/320115-GA-001", {"promised_time_limit_days": 1.5}, None, 422,
     "promised_time_limit_days"),
    ("POST", "/api/mp/petitions", {"type": "投诉", "content": "\u200b" * 10, "street": "dongshan"}, None, 422,
     "content"),
    ("GET", "/api/v1/petitions", None, {"to": "9999-12-31"}, 422, "to"),
    ("GET", "/api/v1/petitions", None, {"from": "0001-01-01"}, 422, "from"),
    ("GET", "/api/v1/petitions", None, {"from": "2026-05-01", "to": "2026-01-01"}, 422, "from"),
    ("GET", "/api/v1/petitions", None, {"q": "\x00"}, 422, "q"),
    ("GET", "/api/v1/petitions", None, {"street": "a\x00"}, 422, "street"),
    ("GET", "/api/v1/petitions", None, {"page": "1.5"}, 422, "page"),
    ("GET", "/api/v1/petitions", None, {"page": BIG[:4000]}, 422, "page"),
    ("GET", "/api/v1/petitions", None, {"limit": str(2**64)}, 422, "limit"),
    ("GET", "/api/v1/conversations", None, {"page": str(2**31)}, 422, "page"),
    ("GET", "/api/v1/analytics/petitions", None, {"to": "9999-12-31"}, 422, "to"),
    ("GET", "/api/v1/analytics/petitions", None, {"from": "0001-01-01"}, 422, "from"),
    ("GET", "/api/v1/analytics/petitions", None, {"from": "2026-05-01", "to": "2026-01-01"}, 422, "from"),
    ("GET", "/api/v1/catalog/items", None, {"department": "\x00"}, 422, "department"),
    ("GET", "/api/mp/services", None, {"department": "x\x00"}, 422, "department"),
]


@pytest.mark.parametrize("method, path, body, query, status, field", FIELD_CASES,
                         ids=[f"{c[0]} {c[1]} {c[5]}={str(c[2] or c[3])[:40]}" for c in FIELD_CASES])
def test_field_table(client, who, unchanged, method, path, body, query, status, field):
    response = client.open(path, method=method, json=body, query_string=query, headers=who(path))
    assert_error(response, status, field)


def test_multipart_text_is_checked_like_json(client, who, unchanged):
    path = "/api/mp/petitions"
    for content, street in (("楼下\x00烧烤摊油烟很大", "dongshan"), ("\u200b" * 8, "dongshan"),
                            ("楼下烧烤摊油烟很大", "dong\x00shan")):
        response = client.post(path, data={"type": "投诉", "content": content, "street": street},
                               headers=who(path), content_type="multipart/form-data")
        assert_error(response, 422, "street" if "\x00" in street else "content")


@pytest.mark.parametrize("method, rule", ID_ROUTES)
@pytest.mark.parametrize("value", ["0", str(2**31), str(2**63), str(2**64), BIG[:2000]])
def test_ids_out_of_range_are_404(client, who, unchanged, method, rule, value):
    path = _path(rule, value)
    assert_error(client.open(path, method=method, json={}, headers=who(path)), 404)


@pytest.mark.parametrize("method, path", [("GET", "/api/mp/services/%00"), ("GET", "/api/v1/catalog/items/a%00b"),
                                          ("DELETE", "/api/v1/routing/rules/%01"), ("GET", "/api/mp/services/%E2%80%8B")])
def test_control_characters_in_path_segments_are_404(client, who, unchanged, method, path):
    assert_error(client.open(path, method=method, headers=who(path)), 404)


def test_the_largest_id_is_just_not_found(client, who):
    path = f"/api/v1/petitions/{2**31 - 1}"
    assert_error(client.get(path, headers=who(path)), 404)


def test_every_http_error_is_json(client, who):
    assert_error(client.get("/no/such/thing"), 404)
    assert_error(client.delete("/healthz"), 405)
    long_url = "/api/mp/services?q=" + "长" * 2000  # 18 KB once percent-encoded
    assert_error(client.get(long_url), 414)
    assert client.get("/api/mp/services?q=" + "长" * 200).status_code == 200
    path = "/api/mp/petitions"
    assert_error(client.post(path, data=b"x" * (edge.MAX_JSON_BYTES + 1), headers=who(path),
                             content_type="application/json"), 413)


def test_under_gunicorn_long_urls_and_deep_bodies_get_json(base_app, test_env):
    """Through the real server and its gunicorn.conf.py: the request-line limit leaves room for our JSON 414."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    import requests

    from tests.bot_stack import free_port

    root = Path(__file__).resolve().parents[2]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=root, env={**os.environ, **test_env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/healthz", timeout=10)
                break
            except requests.RequestException:  # not listening yet, or the worker still loading
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        response = requests.get(f"{url}/api/mp/services", params={"q": "长" * 700}, timeout=30)  # 6.3 KB
        assert response.status_code == 414 and response.headers["Content-Type"] == "application/json"
        assert CHINESE.search(response.json()["message"])
        response = requests.post(f"{url}/api/mp/auth/login", data="[" * 10000 + "]" * 10000,
                                 headers={"Content-Type": "application/json"}, timeout=30)
        assert response.status_code == 400 and CHINESE.search(response.json()["message"])
    finally:
        server.terminate()
        server.wait(timeout=20)
