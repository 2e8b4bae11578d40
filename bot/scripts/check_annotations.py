"""Fails when an entity annotation does not fall on jieba token boundaries (Rasa would drop it)."""
import re
import sys
from pathlib import Path

import jieba
import yaml

BOT_DIR = Path(__file__).resolve().parent.parent
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def spans(example: str):
    """Plain text and the (start, end) of each annotated entity."""
    plain, found, last = "", [], 0
    for match in ANNOTATION.finditer(example):
        plain += example[last:match.start()]
        found.append((len(plain), len(plain) + len(match.group(1))))
        plain += match.group(1)
        last = match.end()
    return plain + example[last:], found


def main() -> int:
    """Checks every annotated example of the training and test data."""
    jieba.setLogLevel(60)
    for path in (BOT_DIR / "dictionary").iterdir():
        jieba.load_userdict(str(path))
    bad = 0
    files = sorted((BOT_DIR / "data").rglob("*.yml")) + [BOT_DIR / "tests" / "nlu_test.yml"]
    for path in files:
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            examples = block.get("examples") or ""
            if not isinstance(examples, str):  # a list of {text, metadata}
                examples = "\n".join(f"- {str(example['text']).strip()}" for example in examples)
            for line in examples.splitlines():
                if "intent" not in block or not line.startswith("- ") or "[" not in line:
                    continue
                text, entities = spans(line[2:])
                bounds = {b for _, s, e in jieba.tokenize(text) for b in (s, e)}
                for start, end in entities:
                    if start not in bounds or end not in bounds:
                        bad += 1
                        print(f"{path.relative_to(BOT_DIR)}: '{text[start:end]}' in '{text}' "
                              f"splits tokens {'/'.join(jieba.cut(text))}")
    print(f"{bad} misaligned entity annotations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
