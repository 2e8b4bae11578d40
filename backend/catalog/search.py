"""Catalog search: a per-process copy of the database index (catalog_search_documents), checked against
the latest committed revision on every query and brought up to date incrementally; ranking.py scores it."""

from __future__ import annotations

import os
import threading
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Connection, select

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
    codes: list[str] = field(default_factory=list)
    number_of: dict[int, int] = field(default_factory=dict)
    postings: dict[str, Posting] = field(default_factory=dict)
    keys_of: dict[int, list[str]] = field(default_factory=dict)
    # Number of items with the term in any field (strong or weak), kept by _derive().
    document_frequency: dict[str, int] = field(default_factory=dict)
    # Number of items with the term in a strong field (name, alias, keyword), kept by _derive(): a word in
    # the materials of every item (身份证) may still name one item.
    strong_frequency: dict[str, int] = field(default_factory=dict)
    # Starting scores per filter combination (ranking._blank_scores).
    blank_scores: dict[tuple, list[float]] = field(default_factory=dict)
    # Scored items per set of question terms and filters (ranking.cached_candidates), and their number.
    candidates: OrderedDict = field(default_factory=OrderedDict)
    candidate_rows: int = 0
    # Recent answers of this revision: popular questions repeat, and the revision check comes first.
    results: OrderedDict = field(default_factory=OrderedDict)
    # Complete rendered result pages of this revision (resident API), emptied with `results`.
    pages: OrderedDict = field(default_factory=OrderedDict)
    # Result-list entries of this revision by item id (service.summaries). Replaced rather than emptied,
    # so that a page built across a change stores its rows into the old dict, not the new one.
    summaries: dict = field(default_factory=dict)
    # This process's own DB-API connection for the revision check (_latest_committed), and its process.
    probe: Any = None
    probe_pid: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def forget_answers(self) -> None:
        """Empties every cache of answers (after a change, or to measure ranking itself)."""
        self.candidates.clear()
        self.candidate_rows = 0
        self.results.clear()
        self.pages.clear()
        self.summaries = {}


def _snapshot() -> Snapshot:
    # One snapshot per app and database, so a process serving two databases keeps them apart.
    caches = current_app.extensions.setdefault("catalog_search", {})
    snapshot = caches.get(db.engine)
    if snapshot is None:
        snapshot = caches[db.engine] = Snapshot()
    return snapshot


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
            snapshot.codes.append(code)
        else:
            snapshot.documents[number] = entry
            snapshot.codes[number] = code


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
        if strong:
            snapshot.strong_frequency[term] = len(strong.docs)
        else:
            snapshot.strong_frequency.pop(term, None)
    snapshot.blank_scores.clear()
    snapshot.forget_answers()


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
    for table in (snapshot.entries, snapshot.documents, snapshot.codes, snapshot.number_of, snapshot.postings,
                  snapshot.keys_of, snapshot.document_frequency, snapshot.strong_frequency):
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
        if _checked.get() is not snapshot:
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
_LATEST_SQL = "SELECT revision, token FROM catalog_search_revisions ORDER BY revision DESC LIMIT 1"
# Set while a page is built right after the revision check, so the search inside does not check again.
_checked: ContextVar[Snapshot | None] = ContextVar("catalog_search_checked", default=None)


def _latest_committed(snapshot: Snapshot) -> tuple[int, str] | None:
    """The latest committed (revision, token), read through this process's own autocommit connection
    (one statement: no pool checkout, no BEGIN/ROLLBACK, no pre-ping); held under snapshot.lock."""
    if isinstance(db.session.session_factory.kw.get("bind"), Connection):
        # A session bound to one connection (the tests' outer transaction) is asked itself, so that its
        # own uncommitted revisions count as they do for refresh().
        row = db.session.connection().execute(_LATEST).first()
        return (row.revision, row.token) if row else None
    try:
        if snapshot.probe is None or snapshot.probe_pid != os.getpid():
            # After a fork the parent's connection is not ours to use (nor to close).
            raw = db.engine.raw_connection()
            raw.detach()
            snapshot.probe, snapshot.probe_pid = raw.dbapi_connection, os.getpid()
            if db.engine.dialect.name == "postgresql":
                snapshot.probe.autocommit = True
        cursor = snapshot.probe.cursor()
        try:
            cursor.execute(_LATEST_SQL)
            row = cursor.fetchone()
        finally:
            cursor.close()
    except db.engine.dialect.loaded_dbapi.Error:
        # A dropped connection (database restarted…): forget it and ask through the session, which
        # reconnects or raises.
        _close_probe(snapshot)
        row = db.session.connection().execute(_LATEST).first()
    return (row[0], row[1]) if row else None


def _close_probe(snapshot: Snapshot) -> None:
    probe, snapshot.probe = snapshot.probe, None
    if probe is not None and snapshot.probe_pid == os.getpid():
        try:
            probe.close()
        except Exception:  # noqa: BLE001 - it is being discarded as broken anyway
            pass


def cached_page(key: bytes, build: Callable[[], bytes] | None = None) -> bytes | None:
    """The rendered result page for `key` (a query string) at the latest committed revision: from this
    process's cache (after a one-statement revision check), else `build()` (which may search) stored
    under it, or None without `build`."""
    snapshot = _snapshot()
    with snapshot.lock:
        # The latest committed (revision, token) equal to this copy's means nothing changed (a token is
        # random per revision, so a rolled-back revision number reused by another writer differs).
        if not snapshot.pages and build is None:
            return None
        latest = _latest_committed(snapshot)
        if latest is None or latest != (snapshot.revision, snapshot.token):
            if build is None:
                return None  # the caller's full path will refresh (and may not need the index at all)
            refresh(snapshot)
        revision = snapshot.revision
        body = snapshot.pages.get(key)
        if body is not None:
            snapshot.pages.move_to_end(key)
            return body
    if build is None:
        return None
    token = _checked.set(snapshot)
    try:
        body = build()
    finally:
        _checked.reset(token)
    with snapshot.lock:
        # Store only if no change was loaded meanwhile (the page was built from this revision's rows).
        if snapshot.revision == revision:
            snapshot.pages[key] = body
            if len(snapshot.pages) > RESULT_CACHE_SIZE:
                snapshot.pages.popitem(last=False)
    return body


def summary_memo() -> dict:
    """This revision's result-list entries by item id; whatever is stored in it is forgotten at the next
    change."""
    return _snapshot().summaries


def search(*, query: str, limit: int | None = None, **filters) -> list[Hit]:
    """The items that match a question, best first (the first `limit` of them, or all)."""
    return search_page(query=query, limit=limit, **filters)[0]
