"""Ranking of catalog items for a question: field-weighted BM25-style scores over words, synonyms and
bigrams, then a boost for names and aliases that the question contains (or that contain it)."""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, itemgetter, le, mul, neg
from typing import TYPE_CHECKING

from backend.catalog import text

if TYPE_CHECKING:
    from backend.catalog.search import Entry, Snapshot

QUERY_SEARCH_MODE = False
WORD_WEIGHT = 1.0
SYNONYM_WEIGHT = 0.8
BIGRAM_WEIGHT = 0.35
# A name or alias that the question contains (or that contains the question) is the strongest signal.
PHRASE_BONUS = 40.0
SYNONYM_PHRASE_BONUS = 15.0
BONUS_CANDIDATES = 50
# Results scoring below this share of the best one are noise (a shared bigram, a common material).
RELATIVE_CUTOFF = 0.25


@dataclass(frozen=True)
class Hit:
    item_id: int
    code: str
    score: float


def query_terms(query: str, vocabulary: dict | None = None) -> dict[str, float]:
    """The weighted terms of a question: its words, synonym expansions and the bigrams that no known
    word of the question already covers (the fallback for unknown words and typos)."""
    weights: dict[str, float] = {}

    def add(term: str, weight: float) -> None:
        if weights.get(term, 0.0) < weight:
            weights[term] = weight

    for word in text.words(query, for_search=QUERY_SEARCH_MODE):
        add(word, WORD_WEIGHT)
    for canonical in text.synonym_expansions(query):
        for word in text.words(canonical, for_search=QUERY_SEARCH_MODE):
            add(word, SYNONYM_WEIGHT)
    known = [word for word in text.words(query)
             if len(word) > 1 and (vocabulary is None or word in vocabulary or text.WEAK_PREFIX + word in vocabulary)]
    for gram in text.bigrams(query):
        if not any(gram[1:] in word for word in known):
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


def _allowed(snapshot: Snapshot, filters: dict) -> bytearray:
    """1 for each document that passes the filters, computed once per filter combination and revision."""
    key = tuple(sorted(filters.items()))
    allowed = snapshot.allowed.get(key)
    if allowed is None:
        if len(snapshot.allowed) > 256:
            snapshot.allowed.clear()
        allowed = snapshot.allowed[key] = bytearray(_accepts(entry, **filters) for entry in snapshot.documents)
    return allowed


def base_scores(snapshot: Snapshot, weights: dict[str, float]) -> list[float]:
    """Every document's base score (0.0 when it has none of the terms): the sum over question terms of
    query weight × idf × field weight, strong-field and weak-field postings alike, added in key order."""
    total = len(snapshot.entries) or 1
    lists = []
    for term, weight in weights.items():
        df = snapshot.document_frequency.get(term)
        if not df:
            continue
        factor = weight * math.log(1 + (total - df + 0.5) / (df + 0.5))
        for key in (term, text.WEAK_PREFIX + term):
            posting = snapshot.postings.get(key)
            if posting is not None:
                lists.append((key, posting, factor))
    lists.sort(key=itemgetter(0))
    scores = [0.0] * len(snapshot.documents)
    get, put = scores.__getitem__, scores.__setitem__
    for _key, posting, factor in lists:
        # scores[d] += factor × w for every document d of the posting, iterated in C (map) rather than in
        # Python bytecode: a common word's posting has thousands of documents.
        docs = posting.docs
        deque(map(put, docs, map(add, map(get, docs), map(mul, repeat(factor), posting.weights))), maxlen=0)
    return scores


def rank(snapshot: Snapshot, normalized: str, weights: dict[str, float], *, want: int | None = None,
         **filters) -> tuple[list[Hit], int]:
    """The best `want` hits (all when None; best first, ties by code) and how many items match."""
    documents = snapshot.documents
    allowed = _allowed(snapshot, filters)
    scores = base_scores(snapshot, weights)
    values = list(compress(scores, allowed))
    best = max(values, default=0.0)
    if not best:
        return [], 0
    # Below both the cutoff and the head's last base score, an item can neither be boosted nor listed.
    low = best * RELATIVE_CUTOFF
    if sum(map(le, repeat(low), values)) < BONUS_CANDIDATES:
        low = min(low, heapq.nlargest(BONUS_CANDIDATES, filter(None, values))[-1])
    numbers = [number for number, score in zip(compress(range(len(scores)), allowed), values, strict=True) if score >= low]
    codes = [documents[number].code for number in numbers]
    # (-score, code, number) tuples sort best first with ties by code, without a key function.
    accepted = list(zip(map(neg, map(scores.__getitem__, numbers)), codes, numbers, strict=True))

    head = heapq.nsmallest(BONUS_CANDIDATES, accepted)
    canonicals = text.synonym_expansions(normalized)
    boosted = sorted(
        (-round(-negative + _phrase_bonus(documents[number], normalized, canonicals), 6), code, number)
        for negative, code, number in head
    )
    floor = -boosted[0][0] * RELATIVE_CUTOFF
    hits = [row for row in boosted if -row[0] >= floor]
    # Items outside the head scored no more than any head item before its bonus: they rank after it.
    rest = [(-round(-negative, 6), code, number) for negative, code, number in accepted
            if -negative >= floor and (negative, code, number) > head[-1]]
    total = len(hits) + len(rest)
    if want is None or want > len(hits):
        hits += heapq.nsmallest(len(rest) if want is None else want - len(hits), rest)
    return [Hit(documents[number].item_id, code, -negative) for negative, code, number in hits[:want]], total
