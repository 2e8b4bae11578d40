"""The search index's write side: postings per item, kept in catalog_search_documents, and revisions."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Iterator

from sqlalchemy import delete, insert, select, update

from backend.catalog import text
from backend.catalog.models import SearchDocument, SearchRevision, SearchState, ServiceItem
from backend.extensions import db

# Per-field weight of a word; names and aliases say what an item is, summaries only hint.
FIELD_BOOSTS = {
    "name": 10.0, "alias": 7.0, "keyword": 5.0, "faq": 1.5, "summary": 1.5, "material": 1.0, "theme": 1.0,
}
# Fields that hint rather than name: their postings are kept apart (text.WEAK_PREFIX, see ranking.py).
WEAK_FIELDS = frozenset({"summary", "material", "faq", "theme"})
# Bigrams only for the short fields: they catch unknown words and typos without bloating the index.
BIGRAM_BOOSTS = {"name": 3.0, "alias": 2.5, "keyword": 2.0}
# Revisions older than this many are forgotten; a process that far behind reloads everything.
KEEP_REVISIONS = 1000
CHUNK = 2000


def item_texts(item: ServiceItem) -> dict[str, list[str]]:
    """The texts of an item that search looks at, by field."""
    return {
        "name": [item.name],
        "alias": list(item.aliases or []),
        "keyword": list(item.keywords or []),
        "summary": [item.summary or ""],
        "material": [material.get("name", "") for material in item.materials or []],
        "faq": [entry.get("question", "") for entry in item.faq or []],
        "theme": [*item.themes, item.department.name if item.department else ""],
    }


def _weight(boost: float, tf: int) -> float:
    # BM25-style saturation: a term repeated in a field counts for more, but not linearly.
    return round(boost * tf * 2.2 / (tf + 1.2), 4)


def postings(item: ServiceItem) -> dict[str, float]:
    """Key → weight for every word and short-field bigram of an item, the fields of each group
    (strong: name, alias, keyword; weak: the rest) summed under one key."""
    merged: dict[str, float] = {}

    def add(key: str, weight: float) -> None:
        # Weights have 4 decimals; rounding each sum keeps them so, whatever the database.
        merged[key] = round(merged[key] + weight, 4) if key in merged else weight

    for field, texts in item_texts(item).items():
        prefix = text.WEAK_PREFIX if field in WEAK_FIELDS else ""
        counts = Counter(word for value in texts for word in text.words(value))
        for term, tf in counts.items():
            add(prefix + term, _weight(FIELD_BOOSTS[field], tf))
        if field in BIGRAM_BOOSTS:
            grams = Counter(gram for value in texts for gram in text.bigrams(value))
            for term, tf in grams.items():
                add(term, _weight(BIGRAM_BOOSTS[field], tf))
    return merged


def encode(terms: dict[str, float]) -> str:
    """The stored form of an item's postings: "key weight key weight …" (keys never hold spaces)."""
    return " ".join(f"{key} {weight!r}" for key, weight in terms.items())


def decode(stored: str) -> tuple[list[str], list[str]]:
    """Keys and weights (as text) of a stored document."""
    parts = stored.split(" ") if stored else []
    return parts[0::2], parts[1::2]


def _chunks(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def next_revision() -> int:
    """Numbers a new index revision; the row lock orders concurrent writers by commit."""
    revision = db.session.execute(
        update(SearchState).where(SearchState.id == 1).values(revision=SearchState.revision + 1)
        .returning(SearchState.revision)
    ).scalar_one()
    db.session.add(SearchRevision(revision=revision, token=secrets.token_hex(16)))
    db.session.execute(delete(SearchRevision).where(SearchRevision.revision < revision - KEEP_REVISIONS))
    return revision


def reindex(*, items: Iterable[ServiceItem]) -> int:
    """Recomputes the postings of the items under a new revision (the caller commits)."""
    items = list(items)
    db.session.flush()
    revision = next_revision()
    ids = [item.id for item in items]
    for chunk in _chunks(ids, CHUNK):
        db.session.execute(delete(SearchDocument).where(SearchDocument.item_id.in_(chunk)))
        db.session.execute(update(ServiceItem).where(ServiceItem.id.in_(chunk)).values(search_revision=revision))
    rows = [{"item_id": item.id, "terms": encode(postings(item))} for item in items]
    for chunk in _chunks(rows, CHUNK):
        db.session.execute(insert(SearchDocument), chunk)
    return revision


def reindex_all() -> int:
    """Rebuilds the postings of every item (after a change of dictionary, synonyms or weights)."""
    items = list(db.session.scalars(select(ServiceItem).order_by(ServiceItem.id)))
    reindex(items=items)
    return len(items)
