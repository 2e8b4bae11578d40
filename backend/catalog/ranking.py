"""Ranking of catalog items for a question: field-weighted BM25-style scores over words, synonyms, verbs
and bigrams, then a boost for names and aliases that the question contains (or that contain it). The
clause that states the need counts in full; the situation told before it, the resident's family, places
and generic words count less."""

from __future__ import annotations

import heapq
import math
from array import array
from collections import deque
from dataclasses import dataclass
from functools import partial
from itertools import compress, filterfalse, repeat
from operator import add, itemgetter, le, lt, mul, neg
from typing import TYPE_CHECKING

from backend.catalog import text

if TYPE_CHECKING:
    from backend.catalog.search import Entry, Snapshot

QUERY_SEARCH_MODE = False
WORD_WEIGHT = 1.0
SYNONYM_WEIGHT = 0.8
BIGRAM_WEIGHT = 0.35
# Official verbs for everyday ones (丢了 → 补领): they tell what to do, the noun tells which service.
VERB_WEIGHT = 0.25
# Factor for the clauses before the one that states the need ("我上个月被裁员了，失业金怎么领"), and for
# the words of text.CONTEXT_WORDS (family members, places, 补贴) wherever they are.
SITUATION_WEIGHT = 0.4
CONTEXT_WEIGHT = 0.3
# A name or alias that the question contains (or that contains the question) is the strongest signal.
PHRASE_BONUS = 40.0
SYNONYM_PHRASE_BONUS = 15.0
BONUS_CANDIDATES = 50
# Results scoring below this share of the best one are noise (a shared bigram, a common material).
RELATIVE_CUTOFF = 0.25
# Candidates kept per revision: at most this many term sets, and this many scored items in all.
CANDIDATE_CACHE_SIZE = 4096
CANDIDATE_CACHE_ROWS = 2_000_000


@dataclass(frozen=True)
class Hit:
    item_id: int
    code: str
    score: float


def split_need(query: str, vocabulary: dict | None = None) -> tuple[str, str]:
    """(situation, need) of a normalised question: the need starts at the last clause holding a word that
    names something (known to the index, not a context word nor a verb); what comes before is situation."""
    parts = text.clauses(query)
    if len(parts) < 2:
        return "", "".join(parts)
    plain = text.CONTEXT_WORDS | text.ASPECT_WORDS | text.verb_words()
    start = 0
    for position in range(len(parts) - 1, -1, -1):
        if any(word not in plain and (vocabulary is None or word in vocabulary or text.WEAK_PREFIX + word in vocabulary)
               for word in text.words(parts[position], for_search=QUERY_SEARCH_MODE)):
            start = position
            break
    return "".join(parts[:start]), "".join(parts[start:])


def query_terms(query: str, vocabulary: dict | None = None) -> dict[str, float]:
    """The weighted terms of a question: its words, synonym and verb expansions and the bigrams that no
    known word of the question already covers (the fallback for unknown words and typos); terms of the
    situation clauses and context words weigh less."""
    weights: dict[str, float] = {}

    def add(term: str, weight: float) -> None:
        if weights.get(term, 0.0) < weight:
            weights[term] = weight

    verbs = text.verb_words()

    def kind(word: str, weight: float) -> float:
        # A verb weighs what a verb does wherever it comes from; a context or aspect word even less.
        if word in text.CONTEXT_WORDS or word in text.ASPECT_WORDS:
            return CONTEXT_WEIGHT
        return min(weight, VERB_WEIGHT) if word in verbs else weight

    situation, need = split_need(query, vocabulary)
    for part, factor in ((situation, SITUATION_WEIGHT), (need, 1.0)):
        if not part:
            continue
        for word in text.words(part, for_search=QUERY_SEARCH_MODE):
            add(word, kind(word, WORD_WEIGHT) * factor)
        for canonical in text.synonym_expansions(part):
            for word in text.words(canonical, for_search=QUERY_SEARCH_MODE):
                add(word, kind(word, SYNONYM_WEIGHT) * factor)
        for canonical in text.verb_expansions(part):
            for word in text.words(canonical, for_search=QUERY_SEARCH_MODE):
                add(word, VERB_WEIGHT * factor)
        known = [word for word in text.words(part)
                 if len(word) > 1 and (vocabulary is None or word in vocabulary or text.WEAK_PREFIX + word in vocabulary)]
        for gram in text.bigrams(part):
            if not any(gram[1:] in word for word in known):
                add(gram, BIGRAM_WEIGHT * factor)
    return weights


def _phrase_value(phrase: str, query: str, canonicals: tuple[str, ...], need: str = "") -> float:
    """The bonus one name or alias earns for the question (less when it is only in the situation told
    before the need)."""
    if need and need != query and phrase not in need and phrase in query:
        return SITUATION_WEIGHT * _phrase_value(phrase, query, canonicals)
    if phrase == query:
        return PHRASE_BONUS * 1.5
    best = 0.0
    if phrase in query:
        best = PHRASE_BONUS * (0.5 + 0.5 * len(phrase) / len(query))
    elif len(query) > 1 and query in phrase:
        best = PHRASE_BONUS * (0.5 + 0.5 * len(query) / len(phrase))
    if best < SYNONYM_PHRASE_BONUS and any(
            len(canonical) > 1 and (canonical in phrase or phrase in canonical) for canonical in canonicals):
        best = SYNONYM_PHRASE_BONUS
    return best


def _phrase_bonus(entry: Entry, values: dict[str, float], query: str, canonicals: tuple[str, ...],
                  need: str = "") -> float:
    """The best bonus of the item's names and aliases; `values` remembers each phrase's for this question
    (many items share aliases)."""
    best = 0.0
    for phrase in entry.phrases:
        value = values.get(phrase)
        if value is None:
            value = values[phrase] = _phrase_value(phrase, query, canonicals, need)
        if value > best:
            best = value
    return best


def _accepts(entry: Entry, *, status: str | None, theme: str | None, department: str | None,
             audience: str | None) -> bool:
    return not (
        (status and entry.status != status)
        or (theme and theme not in entry.themes)
        or (department and entry.department != department)
        or (audience and entry.audience != audience)
    )


def _blank_scores(snapshot: Snapshot, filters: dict) -> list[float]:
    """Starting scores for the filters: 0.0 for each document that passes them, -inf for the others (so
    they never rise above any cutoff). Computed once per filter combination and revision."""
    key = tuple(sorted(filters.items()))
    blank = snapshot.blank_scores.get(key)
    if blank is None:
        if len(snapshot.blank_scores) > 256:
            snapshot.blank_scores.clear()
        blank = snapshot.blank_scores[key] = [0.0 if _accepts(entry, **filters) else -math.inf
                                         for entry in snapshot.documents]
    return blank


def _idf(total: int, df: int) -> float:
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def base_scores(snapshot: Snapshot, weights: dict[str, float], blank: list[float]) -> list[float]:
    """Every document's base score, starting from `blank`: the sum over question terms of query weight ×
    idf × field weight, strong-field and weak-field postings alike, added in key order. A strong posting's
    idf counts the items that have the term in a strong field; a weak one's counts all items with it."""
    total = len(snapshot.entries) or 1
    lists = []
    for term, weight in weights.items():
        df = snapshot.document_frequency.get(term)
        if not df:
            continue
        strong = snapshot.postings.get(term)
        if strong is not None:
            lists.append((term, strong, weight * _idf(total, snapshot.strong_frequency.get(term, df))))
        weak = snapshot.postings.get(text.WEAK_PREFIX + term)
        if weak is not None:
            lists.append((text.WEAK_PREFIX + term, weak, weight * _idf(total, df)))
    lists.sort(key=itemgetter(0))
    scores = blank.copy()
    get, put = scores.__getitem__, scores.__setitem__
    for _key, posting, factor in lists:
        # scores[d] += factor × w for every document d of the posting, iterated in C (map) rather than in
        # Python bytecode: a common word's posting has thousands of documents.
        docs = posting.docs
        deque(map(put, docs, map(add, map(get, docs), map(mul, repeat(factor), posting.weights))), maxlen=0)
    return scores


@dataclass(frozen=True)
class Candidates:
    """What a set of question terms can list under some filters, before the phrase bonus: the best
    BONUS_CANDIDATES as sorted (-score, code, number) rows, and the base scores and document numbers of
    the other items at or above the cutoff (compact: a common word matches thousands)."""

    head: list[tuple[float, str, int]]
    rest_scores: array
    rest_numbers: array

    @property
    def size(self) -> int:
        return len(self.head) + len(self.rest_scores)


def candidates(snapshot: Snapshot, weights: dict[str, float], blank: list[float]) -> Candidates | None:
    """Scores every item and keeps the ones that can be listed (None when no allowed item matches).
    Whole-list steps run in C (map, compress, max); Python loops only over the few best."""
    scores = base_scores(snapshot, weights, blank)
    best = max(scores, default=0.0)
    if best <= 0.0:
        return None
    low = best * RELATIVE_CUTOFF
    numbers = list(compress(range(len(scores)), map(le, repeat(low), scores)))
    if len(numbers) < BONUS_CANDIDATES:
        # The head takes the best BONUS_CANDIDATES even below the cutoff (a phrase bonus may lift them).
        low = heapq.nlargest(BONUS_CANDIDATES, filter(partial(lt, 0.0), scores))[-1]
        numbers = list(compress(range(len(scores)), map(le, repeat(low), scores)))
    score_of, code_of = scores.__getitem__, snapshot.codes.__getitem__
    if len(numbers) > BONUS_CANDIDATES:
        # Only rows scoring at least the BONUS_CANDIDATES-th best can be in the head (ties included).
        floor = heapq.nlargest(BONUS_CANDIDATES, map(score_of, numbers))[-1]
        contenders = list(compress(numbers, map(le, repeat(floor), map(score_of, numbers))))
    else:
        contenders = numbers
    # (-score, code, number) rows sort best first with ties by code, without a key function.
    rows = zip(map(neg, map(score_of, contenders)), map(code_of, contenders), contenders, strict=True)
    head = heapq.nsmallest(BONUS_CANDIDATES, rows)
    in_head = {row[2] for row in head}.__contains__
    rest = array("i", filterfalse(in_head, numbers))
    return Candidates(head, array("d", map(score_of, rest)), rest)


def cached_candidates(snapshot: Snapshot, weights: dict[str, float], filters: dict) -> Candidates | None:
    """candidates() through this revision's cache, keyed by the terms the index knows: wordings of one
    question (请问…, …怎么办) mostly differ only in stopwords and unknown bigrams, which score nothing."""
    known = snapshot.document_frequency
    key = (tuple(sorted((term, weight) for term, weight in weights.items() if term in known)),
           tuple(sorted(filters.items())))
    cache = snapshot.candidates
    found = cache.get(key, False)
    if found is not False:
        cache.move_to_end(key)
        return found
    found = candidates(snapshot, weights, _blank_scores(snapshot, filters))
    cache[key] = found
    snapshot.candidate_rows += found.size if found else 0
    while len(cache) > CANDIDATE_CACHE_SIZE or snapshot.candidate_rows > CANDIDATE_CACHE_ROWS:
        _key, dropped = cache.popitem(last=False)
        snapshot.candidate_rows -= dropped.size if dropped else 0
    return found


def rank(snapshot: Snapshot, normalized: str, weights: dict[str, float], *, want: int | None = None,
         **filters) -> tuple[list[Hit], int]:
    """The best `want` hits (all when None; best first, ties by code) and how many items match."""
    found = cached_candidates(snapshot, weights, filters)
    if found is None:
        return [], 0
    documents = snapshot.documents
    canonicals = text.synonym_expansions(normalized)
    need = split_need(normalized, snapshot.document_frequency)[1]
    values: dict[str, float] = {}
    boosted = sorted(
        (-round(-negative + _phrase_bonus(documents[number], values, normalized, canonicals, need), 6), code,
         number)
        for negative, code, number in found.head
    )
    floor = -boosted[0][0] * RELATIVE_CUTOFF
    hits = [row for row in boosted if -row[0] >= floor]
    # Items outside the head scored no more than any head item before its bonus: they rank after it.
    total = len(hits) + sum(map(le, repeat(floor), found.rest_scores))
    if want is None or want > len(hits):
        rest = ((-round(score, 6), documents[number].code, number)
                for score, number in zip(found.rest_scores, found.rest_numbers, strict=True) if score >= floor)
        hits += heapq.nsmallest(total - len(hits) if want is None else want - len(hits), rest)
    return [Hit(documents[number].item_id, code, -negative) for negative, code, number in hits[:want]], total
