"""Demo catalog: the items of data/items.json, upserted by code."""

from __future__ import annotations

import json
from pathlib import Path

from backend.catalog import service

DATA = Path(__file__).parent / "data"


def load() -> str:
    """Loads or refreshes the demo catalog and commits."""
    path = DATA / "items.json"
    if not path.exists():
        return "catalog: no demo items file"
    rows = json.loads(path.read_text(encoding="utf-8"))
    result = service.import_items(rows=rows)
    return f"catalog: {result.created} created, {result.updated} updated"
