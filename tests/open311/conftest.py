"""Open311 fixtures: a partner with its api_key, and every response checked against the GeoReport v2 schemas in
tests/fixtures/open311/."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import xmltodict

from backend.open311 import service

SCHEMAS = Path(__file__).resolve().parent.parent / "fixtures" / "open311"
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value)
    return "T" in value and parsed.tzinfo is not None  # W3C: a date, a time and an offset


@FORMATS.checks("uri", raises=ValueError)
def _uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


def validate(name: str, body) -> None:
    """Validates a response body against tests/fixtures/open311/<name>.json (formats included)."""
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=FORMATS).validate(body)


def from_xml(response, root: str, item: str) -> list[dict]:
    """The items of an XML list response (<root><item>…</item></root>)."""
    parsed = xmltodict.parse(response.get_data())[root] or {}
    items = parsed.get(item, [])
    return items if isinstance(items, list) else [items]


class Open311:
    """Calls /open311 like a partner platform and checks each answer against its schema."""

    def __init__(self, client, api_key: str):
        self.client, self.api_key = client, api_key

    def get(self, path: str, schema: str, expect: int = 200, **params):
        response = self.client.get(f"/open311{path}", query_string=params)
        assert response.status_code == expect, response.get_data(as_text=True)
        body = response.get_json()
        validate(schema if expect < 400 else "errors", body)
        return body

    def post(self, expect: int = 201, **form):
        form.setdefault("api_key", self.api_key)
        response = self.client.post("/open311/v2/requests.json", data=form, buffered=True)
        assert response.status_code == expect, response.get_data(as_text=True)
        body = response.get_json()
        validate("request_created" if expect < 400 else "errors", body)
        return body


@pytest.fixture
def partner(app):
    """A partner platform of the transactional app: (partner id, api_key)."""
    with app.app_context():
        found, api_key = service.create_partner(name="江宁区12345平台", requests_per_minute=1000)
        return found.id, api_key


@pytest.fixture
def open311(client, partner) -> Open311:
    """The partner's Open311 client."""
    return Open311(client, partner[1])


REQUEST = {
    "service_code": "restaurant_fumes",
    "description": "竹山路100号烧烤店油烟直排，晚上熏得不能开窗，联系电话13812345678",
    "lat": "31.9512",
    "long": "118.8436",
    "address_string": "江宁区竹山路100号",
}
