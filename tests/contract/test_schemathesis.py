"""Schemathesis over /openapi.json, in process against the test app: every operation, all of its checks, a fixed seed.

One run per kind of caller (a resident, the admin, the bot's service token), each inside the test's rolled-back
transaction. A run fails on any check failure (a response ≥ 500, a status, content type, header or body the
document does not describe, a protected operation that answers without its token, a request the document calls
invalid that is accepted…), on any error of the engine, and when it sent fewer than MIN_REQUESTS requests.
See docs/testing.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from schemathesis.engine import events, from_schema
from schemathesis.transport.wsgi import WSGI_TRANSPORT

from tests.info.conftest import fake_weather  # noqa: F401 — a fixture: the weather job reads it
from tests.petitions.conftest import make_resident

SEED = 20260909
MAX_EXAMPLES = 5  # per operation and generation phase; the coverage phase adds its own boundary cases
MIN_REQUESTS = 1000  # per run

# Schema-valid input that the API still refuses with 422, because JSON Schema cannot say it: codes of records
# that do not exist (a department, a street, a resident), text with control characters or nothing visible in it,
# dates outside the years the service can have, URLs without http(s). Every other status stays as schemathesis
# expects it for valid data.
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

# Not yet in the run: Open311 (merged after this test was written) does not match its document yet. Its .xml
# answers are text/xml, which no response documents; a URL whose format is neither json nor xml gets the router's
# 404 in our error shape, where the document promises Open311's error list; and its 400 for fields that must come
# together (lat with long) needs the same allowance as 422 above. Remove this once those are documented.
NOT_YET_CHECKED = "^/open311/"


def _config(token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        # No example database: nothing saved by an earlier run is replayed, the seed alone decides what is sent.
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "auth": {"openapi": {"bearerAuth": {"bearer": token}}},
        "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES}},
        "continue-on-failure": True,
        "cache": {"enabled": False},  # nor schemathesis' own state between runs
        "operations": [{"include-path-regex": NOT_YET_CHECKED, "enabled": False}],
    })


@dataclass
class RunReport:
    """What one schemathesis run sent and what failed."""

    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        listed = "\n\n".join(dict.fromkeys(self.failures))  # each distinct failure once
        return f"{self.requests} requests, statuses {dict(sorted(self.statuses.items()))}\n\n{listed}"


def _describe(label: str, check: str, message: str, interaction) -> str:
    request = response = "?"
    if interaction is not None:
        body = (interaction.request.body or b"")[:300]
        request = f"{interaction.request.method} {interaction.request.uri} {body!r}"
        if interaction.response is not None:
            response = f"{interaction.response.status_code} {interaction.response.content[:300]!r}"
    return f"{label} — {check}: {message}\n  request:  {request}\n  response: {response}"


def run_schemathesis(app, token: str) -> RunReport:
    """Runs every phase of schemathesis against the app with this bearer token; returns what happened."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=_config(token))
    report = RunReport()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                report.requests += 1
                if interaction.response is not None:
                    report.statuses[interaction.response.status_code] += 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status != schemathesis.engine.Status.SUCCESS:
                        failure = check.failure_info.failure if check.failure_info else None
                        message = f"{failure.title}. {failure.message}" if failure else str(check.status)
                        report.failures.append(_describe(recorder.label, check.name, message,
                                                         recorder.interactions.get(case_id)))
        elif isinstance(event, events.NonFatalError):
            report.failures.append(f"{event.label} — engine error: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            report.failures.append(f"engine stopped: {event.exception!r}")
    return report


@pytest.fixture
def wsgi_probes_fixed(monkeypatch):
    """Schemathesis 4.32's auth probes (the ignored_auth check) pass socket options to werkzeug's test client,
    which refuses them; in process they mean nothing, so they are dropped before the request."""
    send = WSGI_TRANSPORT.send

    def send_in_process(case, *, session=None, **kwargs):
        if session is None:
            for name in ("max_redirects", "verify", "cert", "proxies"):
                kwargs.pop(name, None)
        return send(case, session=session, **kwargs)

    monkeypatch.setattr(WSGI_TRANSPORT, "send", send_in_process)


def _token(headers: dict) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


CALLERS = {
    "resident": lambda app, auth: _token(auth.resident(make_resident(app).id)),
    "admin": lambda app, auth: _token(auth.staff("admin")),
    "bot": lambda app, auth: _token(auth.service()),
}


@pytest.mark.parametrize("caller", list(CALLERS))
def test_api_conforms_to_its_document(app, auth, fake_wechat, wsgi_probes_fixed, caller, request):
    from backend.info.weather import service as weather

    request.getfixturevalue("fake_weather")
    with app.app_context():
        weather.refresh()  # as the worker does on start; before any refresh the weather answers 503
    report = run_schemathesis(app, CALLERS[caller](app, auth))
    assert not report.failures, report.summary()
    assert not [status for status in report.statuses if status >= 500], report.summary()
    assert report.requests >= MIN_REQUESTS, report.summary()
