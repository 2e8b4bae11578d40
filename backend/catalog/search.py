"""Catalog search: a per-process copy of the database index, checked against the latest revision on
every query, ranked with field-weighted BM25-style scores, phrase boosts and synonyms."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from backend.catalog import text
from backend.catalog.models import SearchRevision, SearchTerm, ServiceItem, ServiceItemTheme
from backend.directory.models import Department
from backend.extensions import db

MAX_QUERY_LENGTH = 200
WORD_WEIGHT = 1.0
SYNONYM_WEIGHT = 0.8
BIGRAM_WEIGHT = 0.35
# A name or alias that the question contains (or that contains the question) is the strongest signal.
PHRASE_BONUS = 40.0
SYNONYM_PHRASE_BONUS = 15.0
BONUS_CANDIDATES = 200
# Results scoring below this share of the best one are noise (a shared bigram, a common material).
RELATIVE_CUTOFF = 0.15


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
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Hit:
    item_id: int
    code: str
    score: float


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


def _load_postings(snapshot: Snapshot, since: int | None) -> None:
    query = select(SearchTerm.item_id, SearchTerm.term, SearchTerm.weight).order_by(
        SearchTerm.item_id, SearchTerm.term, SearchTerm.field
    )
    if since is not None:
        query = query.join(ServiceItem).where(ServiceItem.search_revision > since)
    terms_of: dict[int, list[str]] = defaultdict(list)
    for item_id, term, weight in db.session.execute(query):
        posting = snapshot.postings.get(term)
        if posting is None:
            posting = snapshot.postings[term] = {}
        if item_id in posting:
            posting[item_id] += weight
        else:
            posting[item_id] = weight
            terms_of[item_id].append(term)
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
            _forget(snapshot, changed)
            _load_entries(snapshot, since=since)
            _load_postings(snapshot, since=since)
            snapshot.revision, snapshot.token = rows[-1].revision, rows[-1].token
        return snapshot
    # Unknown history (first use, a pruned log, or a revision that was rolled back): reload all.
    latest = db.session.execute(
        select(SearchRevision.revision, SearchRevision.token).order_by(SearchRevision.revision.desc()).limit(1)
    ).first()
    snapshot.entries.clear()
    snapshot.postings.clear()
    snapshot.terms_of.clear()
    _load_entries(snapshot, since=None)
    _load_postings(snapshot, since=None)
    snapshot.revision, snapshot.token = (latest.revision, latest.token) if latest else (-1, "")
    return snapshot


def query_terms(query: str) -> dict[str, float]:
    """The weighted terms of a question: its words, synonym expansions and bigrams."""
    weights: dict[str, float] = {}

    def add(term: str, weight: float) -> None:
        if weights.get(term, 0.0) < weight:
            weights[term] = weight

    for word in text.words(query):
        add(word, WORD_WEIGHT)
    for canonical in text.synonym_expansions(query):
        for word in text.words(canonical):
            add(word, SYNONYM_WEIGHT)
    for gram in text.bigrams(query):
        add(gram, BIGRAM_WEIGHT)
    return weights


def _phrase_bonus(entry: Entry, query: str, canonicals: list[str]) -> float:
    best = 0.0
    for phrase in entry.phrases:
        if phrase == query:
            return PHRASE_BONUS * 1.5
        if phrase in query:
            best = max(best, PHRASE_BONUS * (0.5 + 0.5 * len(phrase) / len(query)))
        elif len(query) > 1 and query in phrase:
            best = max(best, PHRASE_BONUS * (0.5 + 0.5 * len(query) / len(phrase)))
        for canonical in canonicals:
            if len(canonical) > 1 and (canonical in phrase or phrase in canonical):
                best = max(best, SYNONYM_PHRASE_BONUS)
    return best


def _accepts(entry: Entry, *, status: str | None, theme: str | None, department: str | None,
             audience: str | None) -> bool:
    return not (
        (status and entry.status != status)
        or (theme and theme not in entry.themes)
        or (department and entry.department != department)
        or (audience and entry.audience != audience)
    )


def search(*, query: str, status: str | None = "published", theme: str | None = None,
           department: str | None = None, audience: str | None = None) -> list[Hit]:
    """Ranks the items that match a question (best first; ties by code)."""
    normalized = text.normalize(query)[:MAX_QUERY_LENGTH]
    weights = query_terms(normalized)
    if not weights:
        return []
    snapshot = _snapshot()
    with snapshot.lock:
        refresh(snapshot)
        return _rank(snapshot, normalized, weights, status=status, theme=theme,
                     department=department, audience=audience)


def _rank(snapshot: Snapshot, normalized: str, weights: dict[str, float], **filters) -> list[Hit]:
    entries = snapshot.entries
    total = len(entries) or 1
    scores: dict[int, float] = defaultdict(float)
    for term in sorted(weights):
        posting = snapshot.postings.get(term)
        if not posting:
            continue
        df = len(posting)
        factor = weights[term] * math.log(1 + (total - df + 0.5) / (df + 0.5))
        for item_id, weight in posting.items():
            scores[item_id] += factor * weight
    accepted = [(item_id, score) for item_id, score in scores.items() if _accepts(entries[item_id], **filters)]
    if not accepted:
        return []
    canonicals = text.synonym_expansions(normalized)
    accepted.sort(key=lambda pair: (-pair[1], entries[pair[0]].code))
    boosted = [
        (item_id, score + _phrase_bonus(entries[item_id], normalized, canonicals))
        for item_id, score in accepted[:BONUS_CANDIDATES]
    ] + accepted[BONUS_CANDIDATES:]
    boosted.sort(key=lambda pair: (-round(pair[1], 9), entries[pair[0]].code))
    floor = boosted[0][1] * RELATIVE_CUTOFF
    return [Hit(item_id, entries[item_id].code, round(score, 6)) for item_id, score in boosted if score >= floor]
