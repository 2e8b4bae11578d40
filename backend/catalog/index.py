"""The search index's write side: postings per item, kept in catalog_search_terms, and revisions."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Iterator

from sqlalchemy import delete, select, update

from backend.catalog import text
from backend.catalog.models import SearchRevision, SearchState, SearchTerm, ServiceItem
from backend.extensions import db

# Per-field weight of a word; names and aliases say what an item is, summaries only hint.
FIELD_BOOSTS = {
    "name": 10.0, "alias": 7.0, "keyword": 5.0, "faq": 1.5, "summary": 1.5, "material": 1.0, "theme": 1.0,
}
# Fields that hint rather than name (ranking keeps their postings apart, see ranking.py).
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


def postings(item: ServiceItem) -> list[tuple[str, str, float]]:
    """(term, field, weight) for every word and short-field bigram of an item."""
    rows = []
    for field, texts in item_texts(item).items():
        counts = Counter(word for value in texts for word in text.words(value))
        rows.extend((term, field, _weight(FIELD_BOOSTS[field], tf)) for term, tf in counts.items())
        if field in BIGRAM_BOOSTS:
            grams = Counter(gram for value in texts for gram in text.bigrams(value))
            rows.extend((term, field, _weight(BIGRAM_BOOSTS[field], tf)) for term, tf in grams.items())
    return rows


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
        db.session.execute(delete(SearchTerm).where(SearchTerm.item_id.in_(chunk)))
        db.session.execute(update(ServiceItem).where(ServiceItem.id.in_(chunk)).values(search_revision=revision))
    _insert_postings([(item.id, term, field, weight) for item in items for term, field, weight in postings(item)])
    return revision


def _insert_postings(rows: list[tuple[int, str, str, float]]) -> None:
    # ~200 rows per item: at catalog scale (an import of 10,000 items) ORM inserts take minutes,
    # COPY (PostgreSQL) and a plain executemany (SQLite) take seconds, in the same transaction.
    connection = db.session.connection()
    columns = "catalog_search_terms (item_id, term, field, weight)"
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            with cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
    elif rows:
        connection.exec_driver_sql(f"INSERT INTO {columns} VALUES (?, ?, ?, ?)", rows)


def reindex_all() -> int:
    """Rebuilds the postings of every item (after a change of dictionary, synonyms or weights)."""
    items = list(db.session.scalars(select(ServiceItem).order_by(ServiceItem.id)))
    reindex(items=items)
    return len(items)
