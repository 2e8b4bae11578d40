"""The held-out set through the real stack: every service question of tests/nlu_test.yml must show the
service card of its catalog item, every complaint must enter the complaint flow. The real backend (its
catalog search) answers the action server; Rasa runs the trained model.

Writes results/stack/report.json (read by scripts/check_thresholds.py --stack) and fails below the
minimums of scripts/check_thresholds.py. Slow (~3–5 min): run with `make -C bot test-e2e`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import requests
import yaml

BOT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BOT_DIR / "scripts"))
from bot_stack import bot_servers, real_backend  # noqa: E402
from check_overlap import ANNOTATION, example_texts  # noqa: E402
from check_thresholds import COMPLAINT_FLOW_MIN, SERVICE_CARD_MIN, stack_failures  # noqa: E402

TEST_SET = BOT_DIR / "tests" / "nlu_test.yml"
REPORT = BOT_DIR / "results" / "stack" / "report.json"
CONFIRM_QUESTION = "您是要反映问题"
STREET_QUESTION = "哪个街道"


def held_out():
    """(service questions with their item code, complaint texts with their category) of the held-out set."""
    data = yaml.safe_load(TEST_SET.read_text(encoding="utf-8"))
    services, complaints = [], []
    for block in data["nlu"]:
        if block["intent"] == "ask_service":
            services += [(str(e["text"]).strip(), e["metadata"]["code"]) for e in block["examples"]]
        elif block["intent"].startswith("complain/"):
            complaints += [(ANNOTATION.sub(lambda m: m.group(1) or m.group(2), t), block["intent"])
                           for t in example_texts(block)]
    return services, complaints


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    with real_backend(logs) as backend, bot_servers(backend["url"], backend["token"], logs) as servers:
        yield servers


def say(stack, sender: str, text: str) -> list:
    response = requests.post(f"{stack['url']}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def cards(replies: list) -> list:
    return [c for r in replies for c in (r.get("custom") or {}).get("cards", [])]


def texts(replies: list) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def buttons(replies: list) -> list:
    return [b.get("title") for r in replies for b in r.get("buttons") or []]


def test_held_out_service_questions_and_complaints_through_the_stack(stack):
    services, complaints = held_out()
    assert len(services) >= 60 and len(complaints) >= 440
    card_misses, flow_misses = [], []
    for number, (question, code) in enumerate(services):
        replies = say(stack, f"held-out-service-{number}", question)
        shown = [c["code"] for c in cards(replies) if c["type"] == "service_item"]
        if code not in shown:
            card_misses.append({"text": question, "expected": code, "shown": shown, "reply": texts(replies)[:80]})
    for number, (text, category) in enumerate(complaints):
        replies = say(stack, f"held-out-complaint-{number}", text)
        reply = texts(replies)
        in_flow = (CONFIRM_QUESTION in reply or STREET_QUESTION in reply) and not cards(replies)
        if not in_flow:
            flow_misses.append({"text": text, "category": category, "reply": reply[:80]})
    report = {
        "service_questions": len(services), "service_card_hits": len(services) - len(card_misses),
        "service_card_rate": 1 - len(card_misses) / len(services),
        "complaints": len(complaints), "complaint_flow_hits": len(complaints) - len(flow_misses),
        "complaint_flow_rate": 1 - len(flow_misses) / len(complaints),
        "card_misses": card_misses, "flow_misses": flow_misses,
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nservice questions → their card: {report['service_card_hits']}/{len(services)} "
          f"= {report['service_card_rate']:.3f} (minimum {SERVICE_CARD_MIN})")
    print(f"complaints → complaint flow: {report['complaint_flow_hits']}/{len(complaints)} "
          f"= {report['complaint_flow_rate']:.3f} (minimum {COMPLAINT_FLOW_MIN})")
    for miss in card_misses + flow_misses:
        print("  miss:", miss)
    assert not stack_failures(report), stack_failures(report)


@pytest.mark.parametrize("question, code", [
    ("孩子满16岁了第一次办身份证需要带什么", "320115-GA-001"),
    ("家里困难怎么申请低保", "320115-MZ-003"),
    ("今年居民医保什么时候缴费", "320115-YB-001"),
])
def test_the_questions_of_issue_11_get_their_card(stack, question, code):
    replies = say(stack, f"issue-11-{code}", question)
    assert code in [c["code"] for c in cards(replies) if c["type"] == "service_item"], texts(replies)
    assert STREET_QUESTION not in texts(replies)


def test_an_unclear_complaint_is_confirmed_before_details(stack):
    sender = "confirm-yes"
    first = say(stack, sender, "路灯坏了好几天了")
    assert CONFIRM_QUESTION in texts(first) and STREET_QUESTION not in texts(first)
    assert buttons(first) == ["是，我要反映问题", "不是，我想咨询办事"]
    assert STREET_QUESTION in texts(say(stack, sender, "/affirm"))


def test_a_complaint_beyond_doubt_goes_straight_to_the_street(stack):
    replies = say(stack, "sure-complaint", "楼下烧烤店每天晚上油烟呛得人没法开窗，投诉了好几次都没人管")
    assert STREET_QUESTION in texts(replies) and CONFIRM_QUESTION not in texts(replies)


def test_not_a_complaint_after_all_offers_the_service(stack):
    sender = "confirm-no"
    first = say(stack, sender, "公积金的事")
    if CONFIRM_QUESTION not in texts(first):
        pytest.fail(f"expected the check, got: {texts(first)}")
    after = say(stack, sender, "/deny")
    assert STREET_QUESTION not in texts(after)
    assert [c for c in cards(after) if c["type"] == "service_item"] or "您想问哪项业务" in texts(after)
