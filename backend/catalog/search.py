"""Catalog search: a per-process copy of the database index (catalog_search_documents), checked against
the latest committed revision on every query and brought up to date incrementally; ranking.py scores it."""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from backend.catalog import index, ranking, text
from backend.catalog.models import SearchDocument, SearchRevision, ServiceItem, ServiceItemTheme
from backend.catalog.ranking import Hit
from backend.directory.models import Department
from backend.extensions import db

MAX_QUERY_LENGTH = 200
RESULT_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Entry:
    """What search needs to know of an item besides its postings."""

    item_id: int
    code: str
    status: str
    department: str
    audience: str
    themes: frozenset[str]
    phrases: tuple[str, ...]


@dataclass
class Posting:
    """The items of one key, as document numbers, and their weights (parallel compact arrays, in no
    particular order: ranking adds whole arrays at once)."""

    docs: array = field(default_factory=lambda: array("i"))
    weights: array = field(default_factory=lambda: array("d"))


@dataclass
class Snapshot:
    """The index as of one revision. Items are numbered 0, 1, 2… in this process (document numbers),
    so that ranking can keep its scores in a plain list."""

    revision: int = -1
    token: str = ""
    entries: dict[int, Entry] = field(default_factory=dict)
    documents: list[Entry] = field(default_factory=list)
    number_of: dict[int, int] = field(default_factory=dict)
    postings: dict[str, Posting] = field(default_factory=dict)
    keys_of: dict[int, list[str]] = field(default_factory=dict)
    # Number of items with the term in any field (strong or weak), kept by _derive().
    document_frequency: dict[str, int] = field(default_factory=dict)
    allowed: dict[tuple, bytearray] = field(default_factory=dict)
    # Recent answers of this revision: popular questions repeat, and the revision check comes first.
    results: OrderedDict = field(default_factory=OrderedDict)
    # Complete rendered result pages of this revision (resident API), emptied with `results`.
    pages: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _snapshot() -> Snapshot:
    # One snapshot per app and database, so a process serving two databases keeps them apart.
    caches = current_app.extensions.setdefault("catalog_search", {})
    key = db.engine.url.render_as_string(hide_password=True)
    return caches.setdefault(key, Snapshot())


def _load_entries(snapshot: Snapshot, since: int | None) -> None:
    query = (
        select(ServiceItem.id, ServiceItem.code, ServiceItem.status, ServiceItem.audience, ServiceItem.name,
               ServiceItem.aliases, Department.code)
        .join(Department, ServiceItem.department_id == Department.id).order_by(ServiceItem.id)
    )
    theme_query = select(ServiceItemTheme.item_id, ServiceItemTheme.theme)
    if since is not None:
        query = query.where(ServiceItem.search_revision > since)
        theme_query = theme_query.join(ServiceItem).where(ServiceItem.search_revision > since)
    themes: dict[int, set[str]] = defaultdict(set)
    for item_id, theme in db.session.execute(theme_query):
        themes[item_id].add(theme)
    for item_id, code, status, audience, name, aliases, department in db.session.execute(query):
        phrases = tuple(dict.fromkeys(p for p in (text.normalize(v) for v in [name, *(aliases or [])]) if len(p) > 1))
        entry = Entry(item_id, code, status, department, audience, frozenset(themes[item_id]), phrases)
        snapshot.entries[item_id] = entry
        number = snapshot.number_of.get(item_id)
        if number is None:
            number = snapshot.number_of[item_id] = len(snapshot.documents)
            snapshot.documents.append(entry)
        else:
            snapshot.documents[number] = entry


def _documents(since: int | None) -> list[tuple[int, str]]:
    if since is not None:
        return db.session.execute(
            select(SearchDocument.item_id, SearchDocument.terms).join(ServiceItem)
            .where(ServiceItem.search_revision > since)
        ).all()
    # The full load reads every item's postings (~30 MB at 10,000 items): plain DB-API tuples.
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.execute("SELECT item_id, terms FROM catalog_search_documents")
        return cursor.fetchall()
    finally:
        cursor.close()


def _load_postings(snapshot: Snapshot, since: int | None) -> set[str]:
    """Replaces the postings of the items indexed after `since` (all when None); returns the keys that
    changed."""
    touched: set[str] = set()
    docs: dict[str, list[int]] = defaultdict(list)
    weights: dict[str, list[str]] = defaultdict(list)
    for item_id, stored in _documents(since):
        number = snapshot.number_of.get(item_id)
        if number is None:
            continue  # committed after the entries were read: its revision is newer, the next refresh loads it
        touched.update(_forget(snapshot, number))
        keys, values = index.decode(stored)
        snapshot.keys_of[number] = keys
        for key, value in zip(keys, values, strict=True):
            docs[key].append(number)
            weights[key].append(value)
    postings = snapshot.postings
    for key, numbers in docs.items():
        posting = postings.get(key)
        if posting is None:
            posting = postings[key] = Posting()
        posting.docs.extend(numbers)
        posting.weights.extend(map(float, weights[key]))
    return touched | set(docs)


def _forget(snapshot: Snapshot, number: int) -> list[str]:
    """Removes the postings of one document; returns its keys."""
    keys = snapshot.keys_of.pop(number, [])
    for key in keys:
        posting = snapshot.postings[key]
        position = posting.docs.index(number)
        del posting.docs[position]
        del posting.weights[position]
        if not posting.docs:
            del snapshot.postings[key]
    return keys


def _derive(snapshot: Snapshot, keys: set[str] | None) -> None:
    """Recomputes the document frequency of the terms of these keys (of all when None)."""
    postings = snapshot.postings
    keys = set(postings) if keys is None else keys
    for term in {key.removeprefix(text.WEAK_PREFIX) for key in keys}:
        strong, weak = postings.get(term), postings.get(text.WEAK_PREFIX + term)
        if strong and weak:
            snapshot.document_frequency[term] = len(set(strong.docs).union(weak.docs))
        elif strong or weak:
            snapshot.document_frequency[term] = len((strong or weak).docs)
        else:
            snapshot.document_frequency.pop(term, None)
    snapshot.allowed.clear()
    snapshot.results.clear()
    snapshot.pages.clear()


def refresh(snapshot: Snapshot | None = None) -> Snapshot:
    """Brings this process's copy up to the latest committed revision (one small query when current)."""
    snapshot = snapshot or _snapshot()
    rows = db.session.execute(
        select(SearchRevision.revision, SearchRevision.token)
        .where(SearchRevision.revision >= snapshot.revision).order_by(SearchRevision.revision)
    ).all()
    if rows and (rows[0].revision, rows[0].token) == (snapshot.revision, snapshot.token):
        if len(rows) > 1:
            _load_entries(snapshot, since=snapshot.revision)
            _derive(snapshot, _load_postings(snapshot, since=snapshot.revision))
            snapshot.revision, snapshot.token = rows[-1].revision, rows[-1].token
        return snapshot
    # Unknown history (first use, a pruned log, or a revision that was rolled back): reload all.
    latest = db.session.execute(
        select(SearchRevision.revision, SearchRevision.token).order_by(SearchRevision.revision.desc()).limit(1)
    ).first()
    for table in (snapshot.entries, snapshot.documents, snapshot.number_of, snapshot.postings, snapshot.keys_of,
                  snapshot.document_frequency):
        table.clear()
    _load_entries(snapshot, since=None)
    _load_postings(snapshot, since=None)
    _derive(snapshot, None)
    snapshot.revision, snapshot.token = (latest.revision, latest.token) if latest else (-1, "")
    return snapshot


def search_page(*, query: str, status: str | None = "published", theme: str | None = None,
                department: str | None = None, audience: str | None = None, offset: int = 0,
                limit: int | None = None) -> tuple[list[Hit], int]:
    """One page of the items that match a question (best first; ties by code) and their number."""
    normalized = text.normalize(query)[:MAX_QUERY_LENGTH]
    snapshot = _snapshot()
    want = None if limit is None else offset + limit
    filters = {"status": status, "theme": theme, "department": department, "audience": audience}
    key = (normalized, want, *filters.values())
    with snapshot.lock:
        refresh(snapshot)
        answer = snapshot.results.get(key)
        if answer is None:
            weights = ranking.query_terms(normalized, snapshot.postings)
            answer = ranking.rank(snapshot, normalized, weights, want=want, **filters) if weights else ([], 0)
            snapshot.results[key] = answer
            if len(snapshot.results) > RESULT_CACHE_SIZE:
                snapshot.results.popitem(last=False)
        else:
            snapshot.results.move_to_end(key)
    hits, total = answer
    return hits[offset:], total


_LATEST = select(SearchRevision.revision, SearchRevision.token).order_by(SearchRevision.revision.desc()).limit(1)


def cached_page(key: tuple, build) -> bytes:
    """The rendered result page for `key` at the latest committed revision: from this process's cache
    (after the usual one-query revision check), or `build()` (which may search) stored under it."""
    snapshot = _snapshot()
    with snapshot.lock:
        # The latest committed (revision, token) equal to this copy's means nothing changed (a token is
        # random per revision, so a rolled-back revision number reused by another writer differs).
        latest = db.session.connection().execute(_LATEST).first()
        if latest is None or (latest.revision, latest.token) != (snapshot.revision, snapshot.token):
            refresh(snapshot)
        revision = snapshot.revision
        body = snapshot.pages.get(key)
        if body is not None:
            snapshot.pages.move_to_end(key)
            return body
    body = build()
    with snapshot.lock:
        # Store only if no change was loaded meanwhile (the page was built from this revision's rows).
        if snapshot.revision == revision:
            snapshot.pages[key] = body
            if len(snapshot.pages) > RESULT_CACHE_SIZE:
                snapshot.pages.popitem(last=False)
    return body


def search(*, query: str, limit: int | None = None, **filters) -> list[Hit]:
    """The items that match a question, best first (the first `limit` of them, or all)."""
    return search_page(query=query, limit=limit, **filters)[0]
