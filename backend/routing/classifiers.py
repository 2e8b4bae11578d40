"""Classifiers that turn petition text into a complaint category with a confidence."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from flask import current_app

DIRECTORY_DATA = Path(__file__).resolve().parent.parent / "directory" / "data"
KEYWORDS_FILE = Path(__file__).parent / "data" / "keywords.tsv"
_SPLIT = re.compile(r"[；;、，,（）()\s]|与|及|等")


@dataclass(frozen=True)
class Classification:
    """A category with the classifier's confidence (0–1) and the runners-up."""

    category: str | None
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)


class ClassifierUnavailable(RuntimeError):
    """The classifier could not answer (Rasa down, timeout, no model)."""


class Classifier(Protocol):
    def classify(self, text: str) -> Classification: ...


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


class KeywordClassifier:
    """The fallback: phrase and character-bigram overlap with each category's covers and keywords."""

    STRONG = 5.0  # a score at which a lone best category is trusted fully

    def __init__(self, phrases: dict[str, list[str]]):
        self.phrases = {code: sorted(set(p for p in items if len(p) >= 2)) for code, items in phrases.items()}
        self.grams = {code: set().union(*(_bigrams(p) for p in items)) for code, items in self.phrases.items()}
        total = len(self.grams)
        frequency: dict[str, int] = {}
        for grams in self.grams.values():
            for gram in grams:
                frequency[gram] = frequency.get(gram, 0) + 1
        self.idf = {gram: math.log(1 + total / count) for gram, count in frequency.items()}

    def scores(self, text: str) -> dict[str, float]:
        """Each category's score for text."""
        grams = _bigrams(text)
        result = {}
        for code, phrases in self.phrases.items():
            score = sum(len(p) for p in phrases if p in text)
            score += sum(self.idf[g] for g in grams & self.grams[code]) / 2
            if score:
                result[code] = score
        return result

    def classify(self, text: str) -> Classification:
        """The best category, its confidence and up to three alternatives."""
        ranked = sorted(self.scores(text).items(), key=lambda item: -item[1])
        if not ranked:
            return Classification(None, 0.0, [])
        total = sum(score for _, score in ranked[:3])
        strength = min(1.0, ranked[0][1] / self.STRONG)
        confidences = [(code, round(score / total * strength, 3)) for code, score in ranked[:4]]
        return Classification(confidences[0][0], confidences[0][1], confidences[1:])


def _read_tsv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@lru_cache(maxsize=1)
def keyword_classifier() -> KeywordClassifier:
    """The keyword classifier over the registry's categories (built once per process)."""
    phrases: dict[str, list[str]] = {}
    for row in _read_tsv(DIRECTORY_DATA / "categories.tsv"):
        phrases[row["code"]] = [row["name"], *_SPLIT.split(row["name"] + "；" + row["covers"])]
    for row in _read_tsv(KEYWORDS_FILE):
        phrases.setdefault(row["category"], []).extend(_SPLIT.split(row["keywords"]))
    return KeywordClassifier({code: [p.strip() for p in items if p.strip()] for code, items in phrases.items()})


class RasaClassifier:
    """The production classifier: Rasa's complain response selector via /model/parse."""

    def __init__(self, client):
        self.client = client

    def classify(self, text: str) -> Classification:
        """Asks Rasa; raises ClassifierUnavailable when it cannot answer."""
        from integrations.rasa import RasaUnavailable

        try:
            selector = self.client.parse(text)["response_selector"]["complain"]
            best = selector["response"]
            ranking = selector.get("ranking") or []
        except (RasaUnavailable, KeyError, TypeError) as exc:
            raise ClassifierUnavailable(str(exc)) from exc
        category = _category(best.get("intent_response_key"))
        alternatives = [(_category(r.get("intent_response_key")), float(r.get("confidence") or 0))
                        for r in ranking[1:4]]
        return Classification(category, float(best.get("confidence") or 0),
                              [(c, p) for c, p in alternatives if c])


def _category(key) -> str | None:
    if not isinstance(key, str) or not key.startswith("complain/"):
        return None
    return key.split("/", 1)[1] or None


def get_classifier() -> Classifier:
    """The classifier chosen by settings: Rasa when ROUTING_CLASSIFIER=rasa and RASA_URL is set."""
    from integrations.rasa import get_client

    settings = current_app.config["SETTINGS"]
    client = get_client() if settings.routing_classifier == "rasa" else None
    return RasaClassifier(client) if client is not None else keyword_classifier()
