"""Fails when the held-out NLU set is not held out: a test example that is a near-duplicate of a training
example (character n-gram similarity, not only exact copies), or a test example repeated.

Similarity: cosine of the character 2- and 3-gram count vectors of the two texts, after removing entity
annotations, punctuation, spaces and case; the texts are padded with ^ and $ so that a two-character
reply ("好的") still has n-grams. A test example whose most similar training example reaches
MAX_SIMILARITY fails the check (see bot/README.md, "Held-out set", for why 0.6).

    python scripts/check_overlap.py            # check; prints the closest pairs and a histogram
    python scripts/check_overlap.py --show 20  # also list the 20 most similar test examples
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

BOT_DIR = Path(__file__).resolve().parent.parent
ANNOTATION = re.compile(r"\[([^\]]+)\]\((?:[^)]*)\)|\[([^\]]+)\]\{[^}]*\}")
NOISE = re.compile(r"[\s，。！？、,.!?~～：:；;“”\"'（）()]+")
MAX_SIMILARITY = 0.6
BINS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def plain_text(example: str) -> str:
    """Removes entity annotations, punctuation and case so near-identical copies compare equal."""
    text = ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example)
    return NOISE.sub("", text).lower()


def grams(text: str) -> Counter:
    """Character 2- and 3-grams of ^text$."""
    padded = f"^{text}$"
    return Counter(padded[i:i + n] for n in (2, 3) for i in range(len(padded) - n + 1))


def examples_by_intent(path: Path) -> Dict[str, List[str]]:
    """Maps each intent of an NLU file to its normalised examples."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: Dict[str, List[str]] = {}
    for block in data.get("nlu", []) or []:
        if "intent" not in block:
            continue
        found.setdefault(block["intent"], []).extend(plain_text(text) for text in example_texts(block))
    return found


def example_texts(block: dict) -> List[str]:
    """The example texts of one intent block: a "- text" list, or a list of {text, metadata}."""
    examples = block.get("examples") or []
    if isinstance(examples, str):
        return [line[2:] for line in examples.splitlines() if line.startswith("- ")]
    return [str(example["text"]).strip() for example in examples]


def training_examples() -> List[Tuple[str, str]]:
    """(intent, normalised text) of every training example under data/."""
    found = []
    for path in sorted((BOT_DIR / "data").rglob("*.yml")):
        for intent, texts in examples_by_intent(path).items():
            found.extend((intent, text) for text in texts)
    return found


class Index:
    """Training texts by n-gram, for the most similar one to a text (cosine of n-gram counts)."""

    def __init__(self, examples: List[Tuple[str, str]]) -> None:
        self.examples = examples
        self.vectors = [grams(text) for _, text in examples]
        self.norms = [math.sqrt(sum(v * v for v in vector.values())) for vector in self.vectors]
        self.postings: Dict[str, List[int]] = defaultdict(list)
        for number, vector in enumerate(self.vectors):
            for gram in vector:
                self.postings[gram].append(number)

    def closest(self, text: str) -> Tuple[float, str, str]:
        """(similarity, intent, text) of the most similar training example."""
        vector = grams(text)
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        dots: Dict[int, float] = defaultdict(float)
        for gram, count in vector.items():
            for number in self.postings.get(gram, ()):
                dots[number] += count * self.vectors[number][gram]
        if not dots:
            return 0.0, "", ""
        number, dot = max(dots.items(), key=lambda kv: kv[1] / (self.norms[kv[0]] or 1.0))
        intent, train_text = self.examples[number]
        return dot / (norm * (self.norms[number] or 1.0)), intent, train_text


def main(argv: List[str] | None = None) -> int:
    """Prints the similarity histogram and every test example at or above MAX_SIMILARITY; exits 1 then,
    or when a test example is repeated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=5, help="list this many of the most similar test examples")
    parser.add_argument("--test", default=str(BOT_DIR / "tests" / "nlu_test.yml"))
    args = parser.parse_args(argv)

    index = Index(training_examples())
    test = examples_by_intent(Path(args.test))
    scored = []
    for intent, texts in test.items():
        for text in texts:
            similarity, train_intent, train_text = index.closest(text)
            scored.append((similarity, intent, text, train_intent, train_text))
    scored.sort(reverse=True)

    seen: Dict[str, List[str]] = defaultdict(list)
    for intent, texts in test.items():
        for text in texts:
            seen[text].append(intent)
    repeated = {text: intents for text, intents in seen.items() if len(intents) > 1}

    total = len(scored)
    lower = 0.0
    for upper in BINS:
        count = sum(lower <= s[0] < upper or (upper == 1.0 and s[0] == 1.0) for s in scored)
        print(f"similarity {lower:.1f}–{upper:.1f}: {count:4d} ({count / max(total, 1):.1%})")
        lower = upper
    for similarity, intent, text, train_intent, train_text in scored[:args.show]:
        print(f"  {similarity:.2f}  test {intent}: {text!r}  ~ train {train_intent}: {train_text!r}")
    near = [s for s in scored if s[0] >= MAX_SIMILARITY]
    for similarity, intent, text, train_intent, train_text in near:
        print(f"NEAR-DUPLICATE {similarity:.2f}: test {intent}: {text!r} ~ train {train_intent}: {train_text!r}")
    for text, intents in repeated.items():
        print(f"REPEATED test example: {text!r} in {intents}")
    print(f"checked {total} test examples against {len(index.examples)} training examples: "
          f"{len(near)} at similarity >= {MAX_SIMILARITY}, {len(repeated)} repeated")
    return 1 if near or repeated else 0


if __name__ == "__main__":
    sys.exit(main())
