"""Search quality on a set of residents' questions with the item each should find."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from backend.catalog import search
from backend.settings import ROOT

EVAL_DIR = ROOT / "tests" / "catalog" / "data"
# Colloquial questions (search_eval.tsv) and situation-first ones (search_situations.tsv), written apart.
DEFAULT_EVAL_FILE = EVAL_DIR / "search_eval.tsv"
SITUATIONS_EVAL_FILE = EVAL_DIR / "search_situations.tsv"
DEFAULT_EVAL_FILES = (DEFAULT_EVAL_FILE, SITUATIONS_EVAL_FILE)
# The bar every evaluation set must clear (tests/catalog/test_eval.py).
TOP1_MIN = 0.97
TOP3_MIN = 0.99


@dataclass
class Miss:
    question: str
    expected: str
    found: list[str]


@dataclass
class Report:
    total: int = 0
    top1: int = 0
    top3: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total if self.total else 0.0


def read_pairs(path: str | Path = DEFAULT_EVAL_FILE) -> list[tuple[str, str]]:
    """(question, expected code) pairs of a TSV file; a header line and # comments are skipped."""
    pairs = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        question, _, expected = line.partition("\t")
        expected = expected.strip().split("\t")[0]
        if expected == "expected_code":
            continue
        pairs.append((question.strip(), expected))
    return pairs


def evaluate(pairs: list[tuple[str, str]]) -> Report:
    """Searches every question among published items and counts top-1 and top-3 hits."""
    report = Report()
    for question, expected in pairs:
        codes = [hit.code for hit in search.search(query=question, limit=3)]
        report.total += 1
        report.top1 += bool(codes) and codes[0] == expected
        if expected in codes:
            report.top3 += 1
        if not codes or codes[0] != expected:
            report.misses.append(Miss(question, expected, codes))
    return report
