"""Fails when a held-out test example also appears in the training data (exact, after normalising)."""
import re
import sys
from pathlib import Path

import yaml

BOT_DIR = Path(__file__).resolve().parent.parent
ANNOTATION = re.compile(r"\[([^\]]+)\]\((?:[^)]*)\)|\[([^\]]+)\]\{[^}]*\}")
NOISE = re.compile(r"[\s，。！？、,.!?~～]+")


def plain_text(example: str) -> str:
    """Removes entity annotations, punctuation and case so near-identical copies compare equal."""
    text = ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example)
    return NOISE.sub("", text).lower()


def examples_by_intent(path: Path) -> dict:
    """Maps each intent of an NLU file to its normalised examples."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = {}
    for block in data.get("nlu", []) or []:
        if "intent" not in block:
            continue
        lines = [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
        found.setdefault(block["intent"], []).extend(plain_text(line) for line in lines)
    return found


def main() -> int:
    """Prints every test example that is also a training example and exits 1 if there is any."""
    train = {}
    for path in sorted((BOT_DIR / "data").rglob("*.yml")):
        for intent, texts in examples_by_intent(path).items():
            for text in texts:
                train.setdefault(text, set()).add(intent)
    test = examples_by_intent(BOT_DIR / "tests" / "nlu_test.yml")
    clashes = [(intent, text, train[text]) for intent, texts in test.items() for text in texts if text in train]
    duplicates_in_test = {}
    for intent, texts in test.items():
        for text in texts:
            duplicates_in_test.setdefault(text, []).append(intent)
    repeated = {t: i for t, i in duplicates_in_test.items() if len(i) > 1}
    for intent, text, where in clashes:
        print(f"test example also in training data: {text!r} (test {intent}, train {sorted(where)})")
    for text, intents in repeated.items():
        print(f"test example repeated: {text!r} in {intents}")
    total = sum(len(t) for t in test.values())
    print(f"checked {total} test examples against {len(train)} training texts: "
          f"{len(clashes)} overlaps, {len(repeated)} repeats")
    return 1 if clashes or repeated else 0


if __name__ == "__main__":
    sys.exit(main())
