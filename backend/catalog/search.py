"""Catalog search: a per-process copy of the database index (catalog_search_terms), checked against the
latest committed revision on every query and brought up to date incrementally; ranking.py scores it."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from backend.catalog import ranking, text
from backend.catalog.index import WEAK_FIELDS
from backend.catalog.models import SearchRevision, SearchTerm, ServiceItem, ServiceItemTheme
from backend.catalog.ranking import Hit
from backend.directory.models import Department
from backend.extensions import db

MAX_QUERY_LENGTH = 200
RESULT_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Entry:
    """What search needs to know of an item besides its postings."""

    code: str
    status: str
    department: str
    audience: str
    themes: frozenset[str]
    phrases: tuple[str, ...]


@dataclass
class Snapshot:
    """The index as of one revision."""

    revision: int = -1
    token: str = ""
    entries: dict[int, Entry] = field(default_factory=dict)
    postings: dict[str, dict[int, float]] = field(default_factory=dict)
    terms_of: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # Largest weight in each posting and document frequency of each term, kept by _derive().
    max_weight: dict[str, float] = field(default_factory=dict)
    allowed: dict[tuple, frozenset[int]] = field(default_factory=dict)
    document_frequency: dict[str, int] = field(default_factory=dict)
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


def _load_entries(snapshot: Snapshot, since: int | None) -> set[int]:
    query = (
        select(ServiceItem.id, ServiceItem.code, ServiceItem.status, ServiceItem.audience, ServiceItem.name,
               ServiceItem.aliases, Department.code)
        .join(Department, ServiceItem.department_id == Department.id)
    )
    theme_query = select(ServiceItemTheme.item_id, ServiceItemTheme.theme)
    if since is not None:
        query = query.where(ServiceItem.search_revision > since)
        theme_query = theme_query.join(ServiceItem).where(ServiceItem.search_revision > since)
    themes: dict[int, set[str]] = defaultdict(set)
    for item_id, theme in db.session.execute(theme_query):
        themes[item_id].add(theme)
    loaded = set()
    for item_id, code, status, audience, name, aliases, department in db.session.execute(query):
        phrases = tuple(dict.fromkeys(p for p in (text.normalize(v) for v in [name, *(aliases or [])]) if len(p) > 1))
        snapshot.entries[item_id] = Entry(code, status, department, audience, frozenset(themes[item_id]), phrases)
        loaded.add(item_id)
    return loaded


def _posting_rows(since: int | None):
    if since is not None:
        return db.session.execute(
            select(SearchTerm.item_id, SearchTerm.term, SearchTerm.field, SearchTerm.weight).join(ServiceItem)
            .where(ServiceItem.search_revision > since)
        ).all()
    # The full load reads millions of rows at 10,000 items: plain DB-API tuples in table order.
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.execute("SELECT item_id, term, field, weight FROM catalog_search_terms")
        return cursor.fetchall()
    finally:
        cursor.close()


def _load_postings(snapshot: Snapshot, since: int | None) -> None:
    postings = snapshot.postings
    terms_of: dict[int, list[str]] = defaultdict(list)
    weak = {field: ranking.WEAK for field in WEAK_FIELDS}
    for item_id, term, field_name, weight in _posting_rows(since):
        key = weak.get(field_name, "") + term
        posting = postings.get(key)
        if posting is None:
            posting = postings[key] = {}
        if item_id in posting:
            # Weights have 4 decimals: rounding each sum makes it independent of the row order,
            # so every process and both databases get bit-identical scores.
            posting[item_id] = round(posting[item_id] + weight, 4)
        else:
            posting[item_id] = weight
            terms_of[item_id].append(key)
    for item_id, terms in terms_of.items():
        snapshot.terms_of[item_id] = tuple(terms)


def _forget(snapshot: Snapshot, item_ids: set[int]) -> None:
    for item_id in item_ids:
        for term in snapshot.terms_of.pop(item_id, ()):
            posting = snapshot.postings.get(term)
            if posting is not None:
                posting.pop(item_id, None)
                if not posting:
                    del snapshot.postings[term]


def _derive(snapshot: Snapshot, keys: set[str] | None) -> None:
    """Recomputes each posting's largest weight and each term's document frequency (all, or for keys)."""
    postings = snapshot.postings
    keys = set(postings) if keys is None else keys
    for key in keys:
        posting = postings.get(key)
        if posting:
            snapshot.max_weight[key] = max(posting.values())
        else:
            snapshot.max_weight.pop(key, None)
    for term in {key.lstrip(ranking.WEAK) for key in keys}:
        strong, weak = postings.get(term), postings.get(ranking.WEAK + term)
        frequency = len(strong.keys() | weak.keys()) if strong and weak else len(strong or weak or ())
        if frequency:
            snapshot.document_frequency[term] = frequency
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
            since = snapshot.revision
            changed = set(db.session.scalars(select(ServiceItem.id).where(ServiceItem.search_revision > since)))
            touched = {key for item_id in changed for key in snapshot.terms_of.get(item_id, ())}
            _forget(snapshot, changed)
            _load_entries(snapshot, since=since)
            _load_postings(snapshot, since=since)
            touched |= {key for item_id in changed for key in snapshot.terms_of.get(item_id, ())}
            _derive(snapshot, touched)
            snapshot.revision, snapshot.token = rows[-1].revision, rows[-1].token
        return snapshot
    # Unknown history (first use, a pruned log, or a revision that was rolled back): reload all.
    latest = db.session.execute(
        select(SearchRevision.revision, SearchRevision.token).order_by(SearchRevision.revision.desc()).limit(1)
    ).first()
    for table in (snapshot.entries, snapshot.postings, snapshot.terms_of, snapshot.max_weight,
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
