"""Ranking of catalog items for a question: field-weighted BM25-style scores over words, synonyms and
bigrams, then a boost for names and aliases that the question contains (or that contain it)."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.catalog import text

# Postings of weak fields are kept under this prefix, apart from those of names, aliases and keywords.
WEAK = "\x01"

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
             if len(word) > 1 and (vocabulary is None or word in vocabulary or WEAK + word in vocabulary)]
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


def _allowed(snapshot: Snapshot, filters: dict) -> frozenset[int]:
    """The ids that pass the filters, computed once per filter combination and revision."""
    key = tuple(sorted(filters.items()))
    allowed = snapshot.allowed.get(key)
    if allowed is None:
        if len(snapshot.allowed) > 256:
            snapshot.allowed.clear()
        allowed = snapshot.allowed[key] = frozenset(
            item_id for item_id, entry in snapshot.entries.items() if _accepts(entry, **filters))
    return allowed


def _lists(snapshot: Snapshot, weights: dict[str, float]) -> list[tuple]:
    """(length, key, posting, factor, bound) for the strong- and weak-field postings of each term."""
    total = len(snapshot.entries) or 1
    lists = []
    for term, weight in weights.items():
        strong, weak = snapshot.postings.get(term), snapshot.postings.get(WEAK + term)
        if not strong and not weak:
            continue
        df = snapshot.document_frequency[term]
        factor = weight * math.log(1 + (total - df + 0.5) / (df + 0.5))
        for key, posting in ((term, strong), (WEAK + term, weak)):
            if posting:
                lists.append((len(posting), key, posting, factor, factor * snapshot.max_weight[key]))
    # Highest possible contribution first: the best score rises quickly, so pruning starts early.
    lists.sort(key=lambda row: (row[0], row[1]))
    return lists


def _base_scores(snapshot: Snapshot, weights: dict[str, float], allowed: frozenset[int]) -> dict[int, float]:
    """Sums term contributions, biggest possible contribution first. Once an item found only in the
    remaining postings could not reach the relevance cutoff anyway, those postings only add to the items
    already found (MaxScore-style pruning). Weak fields (summary, materials…) have postings of their
    own, with small weights, so their long postings are the ones that get skipped."""
    lists = _lists(snapshot, weights)
    remaining = [0.0] * (len(lists) + 1)
    for position in range(len(lists) - 1, -1, -1):
        remaining[position] = remaining[position + 1] + lists[position][4]
    scores: dict[int, float] = defaultdict(float)
    pruning = False
    for position, (_length, _key, posting, factor, _bound) in enumerate(lists):
        # The cheap test first: even the best possible score so far could not justify pruning.
        if (not pruning and scores
                and remaining[position] < RELATIVE_CUTOFF * (remaining[0] - remaining[position])):
            best = max((score for item_id, score in scores.items() if item_id in allowed), default=0.0)
            if remaining[position] < RELATIVE_CUTOFF * best:
                pruning = True
                # Items that cannot reach the cutoff even with every remaining term are dropped now.
                threshold = RELATIVE_CUTOFF * best - remaining[position]
                scores = {item_id: score for item_id, score in scores.items() if score >= threshold}
        if not pruning:
            for item_id, weight in posting.items():
                scores[item_id] += factor * weight
        elif len(posting) < len(scores):
            for item_id, weight in posting.items():
                if item_id in scores:
                    scores[item_id] += factor * weight
        else:
            for item_id in scores:
                weight = posting.get(item_id)
                if weight is not None:
                    scores[item_id] += factor * weight
    return scores


def rank(snapshot: Snapshot, normalized: str, weights: dict[str, float], *, want: int | None = None,
         **filters) -> tuple[list[Hit], int]:
    """The best `want` hits (all when None; best first, ties by code) and how many items match."""
    entries = snapshot.entries
    allowed = _allowed(snapshot, filters)
    scores = _base_scores(snapshot, weights, allowed)
    values = [score for item_id, score in scores.items() if item_id in allowed]
    if not values:
        return [], 0
    # Below both the cutoff and the head's last base score, an item can neither be boosted nor listed.
    low = min(max(values) * RELATIVE_CUTOFF, heapq.nlargest(BONUS_CANDIDATES, values)[-1])
    # (-score, code, id) tuples sort best first with ties by code, without a key function.
    accepted = [(-score, entries[item_id].code, item_id) for item_id, score in scores.items()
                if score >= low and item_id in allowed]

    head = heapq.nsmallest(BONUS_CANDIDATES, accepted)
    canonicals = text.synonym_expansions(normalized)
    boosted = sorted(
        (-round(-negative + _phrase_bonus(entries[item_id], normalized, canonicals), 6), code, item_id)
        for negative, code, item_id in head
    )
    floor = -boosted[0][0] * RELATIVE_CUTOFF
    hits = [row for row in boosted if -row[0] >= floor]
    # Items outside the head scored no more than any head item before its bonus: they rank after it.
    rest = [(-round(-negative, 6), code, item_id) for negative, code, item_id in accepted
            if -negative >= floor and (negative, code, item_id) > head[-1]]
    total = len(hits) + len(rest)
    if want is None or want > len(hits):
        hits += heapq.nsmallest(len(rest) if want is None else want - len(hits), rest)
    return [Hit(item_id, code, -negative) for negative, code, item_id in hits[:want]], total
