"""What several actions share: reference data (streets, complaint categories), replies and cards."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

DATA_DIR = Path(__file__).resolve().parent / "data"
HOTLINE = "12345政务服务便民热线"
BACKEND_APOLOGY = f"抱歉，系统暂时有点忙，没能查到结果。请稍后再试，或拨打{HOTLINE}咨询。"
MAX_TEXT_CHARS = 2000
# What the complaint form collects; cleared after filing or cancelling so the next one starts fresh.
FORM_SLOTS = ("complaint_confirmed", "complaint_text", "street", "address", "contact_consent",
              "complaint_category", "complaint_confidence")


@lru_cache(maxsize=None)
def _read_tsv(name: str) -> List[Dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def street_names() -> Dict[str, str]:
    """Maps each street code to its name (东山街道…)."""
    return {row["code"]: row["name"] for row in _read_tsv("streets.tsv")}


def find_street_in_text(text: str) -> Optional[str]:
    """Returns the code of the first street named in the text (full or short name), if any."""
    for code, name in street_names().items():
        if name in text or name.replace("街道", "") in text:
            return code
    return None


def categories() -> Dict[str, Dict[str, str]]:
    """Maps each complaint category code to its name, department code and department name."""
    return {row["code"]: row for row in _read_tsv("categories.tsv")}


def card(kind: str, code: str, title: str, **extra: Any) -> Dict[str, Any]:
    """Builds one card of the reply format: {"type", "code", "title", ...extra fields}."""
    return {"type": kind, "code": code, "title": title, **extra}


def latest_text(tracker: Tracker) -> str:
    """The resident's latest message, stripped and capped so a huge paste cannot flood the backend."""
    text = (tracker.latest_message or {}).get("text") or ""
    return text.strip()[:MAX_TEXT_CHARS]


def latest_intent(tracker: Tracker) -> str:
    """The intent name of the resident's latest message ('' when there is none)."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Values of an entity in the latest message (after synonym mapping), in order."""
    return [str(e.get("value")) for e in (tracker.latest_message or {}).get("entities", [])
            if e.get("entity") == entity and e.get("value")]


def entity_texts(tracker: Tracker, entity: str) -> List[str]:
    """The raw text spans of an entity in the latest message."""
    text = (tracker.latest_message or {}).get("text") or ""
    spans = []
    for e in (tracker.latest_message or {}).get("entities", []):
        if e.get("entity") == entity and e.get("start") is not None and e.get("end") is not None:
            spans.append(text[e["start"]:e["end"]])
    return [s for s in spans if s]


def reset_complaint_slots() -> List[Dict[str, Any]]:
    """Clears everything the complaint form collected, so the next complaint starts fresh."""
    return [SlotSet(slot, None) for slot in FORM_SLOTS]
