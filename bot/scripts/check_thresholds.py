"""Reads `rasa test nlu` reports and fails below the quality bar (Rasa itself never fails on scores).

- intent classification: macro-average F1 over all intents  >= 0.90 (results/intent_report.json)
- complaint category (ResponseSelector `complain`): accuracy over the complaint examples >= 0.90
  (results/response_selection_report.json, labels `complain/<category>`)
"""
import json
import sys
from pathlib import Path

INTENT_MACRO_F1_MIN = 0.90
CATEGORY_ACCURACY_MIN = 0.90
NON_LABEL_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def category_accuracy(report: dict) -> tuple:
    """Correct / total over the complain/* labels: per label, recall × support is the count it got right."""
    labels = {k: v for k, v in report.items() if k.startswith("complain/") and k not in NON_LABEL_KEYS}
    total = sum(v["support"] for v in labels.values())
    correct = sum(round(v["recall"] * v["support"]) for v in labels.values())
    return correct, total, labels


def main(results_dir: str = "results") -> int:
    """Prints the figures, the weakest categories, and returns 1 when a figure is under its minimum."""
    results = Path(results_dir)
    intents = json.loads((results / "intent_report.json").read_text(encoding="utf-8"))
    responses = json.loads((results / "response_selection_report.json").read_text(encoding="utf-8"))

    macro_f1 = intents["macro avg"]["f1-score"]
    correct, total, labels = category_accuracy(responses)
    accuracy = correct / total if total else 0.0

    weakest = sorted(labels.items(), key=lambda kv: kv[1]["f1-score"])[:5]
    print("weakest complaint categories (f1): " + ", ".join(f"{k[9:]}={v['f1-score']:.2f}" for k, v in weakest))
    weak_intents = sorted(((k, v) for k, v in intents.items() if k not in NON_LABEL_KEYS), key=lambda kv: kv[1]["f1-score"])[:5]
    print("weakest intents (f1): " + ", ".join(f"{k}={v['f1-score']:.2f}" for k, v in weak_intents))
    print(f"intent macro-F1: {macro_f1:.4f} (minimum {INTENT_MACRO_F1_MIN})")
    print(f"complaint category accuracy: {accuracy:.4f} = {correct}/{total} (minimum {CATEGORY_ACCURACY_MIN})")

    failures = []
    if total == 0:
        failures.append("no complaint examples were evaluated")
    if macro_f1 < INTENT_MACRO_F1_MIN:
        failures.append("intent macro-F1 below minimum")
    if accuracy < CATEGORY_ACCURACY_MIN:
        failures.append("complaint category accuracy below minimum")
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
