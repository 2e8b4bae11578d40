"""Demo catalog: the items of data/items.json, validated and upserted by code."""

from __future__ import annotations

from pathlib import Path

from backend.catalog import service, transfer

DATA = Path(__file__).parent / "data"


def load() -> str:
    """Loads or refreshes the demo catalog (and its search index) and commits."""
    path = DATA / "items.json"
    if not path.exists():
        return "catalog: no demo items file"
    validated = transfer.read_file(path)
    if validated.errors:
        raise ValueError("demo catalog is invalid:\n" + "\n".join(str(error) for error in validated.errors))
    result = service.import_items(rows=validated.rows)
    return f"catalog: {result.created} created, {result.updated} updated"
