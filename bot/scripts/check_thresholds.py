"""Reads `rasa test nlu` reports (and the stack test's report) and fails below the quality bar; Rasa
itself never fails on scores.

- intent classification: macro-average F1 over all intents  >= 0.95 (results/nlu/intent_report.json)
- complaint category (ResponseSelector `complain`): accuracy over the complaint examples >= 0.95
  (results/nlu/response_selection_report.json, labels `complain/<category>`)
- with --stack results/stack/report.json (written by tests/e2e/test_understanding.py, the held-out
  set through Rasa + action server + the real backend): service questions that show their item's
  service card >= 0.95, complaints that enter the complaint flow >= 0.97

    python scripts/check_thresholds.py results/nlu
    python scripts/check_thresholds.py --stack results/stack/report.json
"""
import argparse
import json
import sys
from pathlib import Path
from typing import List

INTENT_MACRO_F1_MIN = 0.95
CATEGORY_ACCURACY_MIN = 0.95
SERVICE_CARD_MIN = 0.95
COMPLAINT_FLOW_MIN = 0.97
NON_LABEL_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def category_accuracy(report: dict) -> tuple:
    """Correct / total over the complain/* labels: per label, recall × support is the count it got right."""
    labels = {k: v for k, v in report.items() if k.startswith("complain/") and k not in NON_LABEL_KEYS}
    total = sum(v["support"] for v in labels.values())
    correct = sum(round(v["recall"] * v["support"]) for v in labels.values())
    return correct, total, labels


def stack_failures(report: dict) -> List[str]:
    """What the stack report misses of the minimums (empty when it passes)."""
    failures = []
    if not report.get("service_questions") or not report.get("complaints"):
        failures.append("the stack report has no service questions or no complaints")
    if report.get("service_card_rate", 0.0) < SERVICE_CARD_MIN:
        failures.append(f"service card rate {report.get('service_card_rate', 0.0):.3f} below {SERVICE_CARD_MIN}")
    if report.get("complaint_flow_rate", 0.0) < COMPLAINT_FLOW_MIN:
        failures.append(f"complaint flow rate {report.get('complaint_flow_rate', 0.0):.3f} below {COMPLAINT_FLOW_MIN}")
    return failures


def nlu_failures(results: Path) -> List[str]:
    """Prints the NLU figures and the weakest labels; returns what misses the minimums."""
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
    return failures


def main(argv: List[str] = None) -> int:
    """Prints the figures and returns 1 when a figure is under its minimum."""
    parser = argparse.ArgumentParser(description="quality bar of the bot")
    parser.add_argument("results", nargs="?", help="rasa test nlu output folder (results/nlu)")
    parser.add_argument("--stack", help="report of tests/e2e/test_understanding.py")
    args = parser.parse_args(argv)
    failures = nlu_failures(Path(args.results)) if args.results else []
    if args.stack:
        report = json.loads(Path(args.stack).read_text(encoding="utf-8"))
        print(f"service questions → their card: {report['service_card_hits']}/{report['service_questions']} "
              f"= {report['service_card_rate']:.4f} (minimum {SERVICE_CARD_MIN})")
        print(f"complaints → complaint flow: {report['complaint_flow_hits']}/{report['complaints']} "
              f"= {report['complaint_flow_rate']:.4f} (minimum {COMPLAINT_FLOW_MIN})")
        failures += stack_failures(report)
    if not args.results and not args.stack:
        failures.append("nothing to check: give a results folder and/or --stack")
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
