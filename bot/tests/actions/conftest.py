"""Fixtures: a fake backend over real HTTP, trackers from JSON fixtures, and an action runner."""
from __future__ import annotations

import asyncio
import copy
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

BOT_DIR = Path(__file__).resolve().parents[2]
FIXTURES = BOT_DIR / "tests" / "fixtures"
sys.path.insert(0, str(BOT_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_backend import TOKEN, FakeBackend  # noqa: E402


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch):
    """A running fake backend; the actions find it through BACKEND_URL and BOT_SERVICE_TOKEN."""
    fake = FakeBackend(json.loads((FIXTURES / "catalog.json").read_text(encoding="utf-8")))
    fake.start()
    monkeypatch.setenv("BACKEND_URL", fake.url)
    monkeypatch.setenv("BOT_SERVICE_TOKEN", TOKEN)
    monkeypatch.setenv("BACKEND_TIMEOUT", "1")
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The bot's domain as the action server receives it."""
    return yaml.safe_load((BOT_DIR / "domain.yml").read_text(encoding="utf-8"))


def load_tracker(name: str, **changes: Any) -> Tracker:
    """A tracker from tests/fixtures/<name>.json; keyword arguments replace top-level keys, `slots` merge."""
    state = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    state.setdefault("sender_id", "resident-1")
    state.setdefault("slots", {})
    state.setdefault("events", [])
    state.setdefault("paused", False)
    state.setdefault("followup_action", None)
    state.setdefault("active_loop", {})
    state.setdefault("latest_action_name", "action_listen")
    slots = changes.pop("slots", {})
    state = {**copy.deepcopy(state), **changes}
    state["slots"] = {**state["slots"], **slots}
    return Tracker.from_dict(state)


def run_action(action: Any, tracker: Tracker, domain: Dict[str, Any]):
    """Runs an action like the action server does; returns (messages, events)."""
    dispatcher = CollectingDispatcher()
    events: List[Dict[str, Any]] = asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher.messages, events


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The slots an action set, as a dict (later events win)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
