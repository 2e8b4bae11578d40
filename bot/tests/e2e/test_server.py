"""End to end: the trained model in a real Rasa server, the real action server, the fake backend.

Slow (loads the model, ~1 min): run with `make -C bot test-e2e`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import requests

BOT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BOT_DIR / "tests" / "actions"))
from fake_backend import TOKEN, FakeBackend  # noqa: E402
from bot_stack import RASA_TOKEN, bot_servers  # noqa: E402


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Fake backend + action server + Rasa server on loopback; stopped by pid afterwards."""
    catalog = json.loads((BOT_DIR / "tests" / "fixtures" / "catalog.json").read_text(encoding="utf-8"))
    backend = FakeBackend(catalog)
    backend.start()
    try:
        with bot_servers(backend.url, TOKEN, tmp_path_factory.mktemp("logs")) as servers:
            yield {**servers, "backend": backend}
    finally:
        backend.stop()


def say(stack, sender: str, text: str) -> list:
    response = requests.post(f"{stack['url']}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def texts(replies: list) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.mark.parametrize("text", [
    "", "   ", "😂😂😂🙏", "hello, can you help me?", "我想问下passport在哪办？？？",
    "啊" * 5000, "楼下油烟" * 1250, "<script>alert(1)</script>", "1234567890", "١٢٣ привет 你好",
])
def test_any_text_gets_a_reply(stack, text):
    replies = say(stack, f"robust-{abs(hash(text))}", text)
    assert replies and all(r.get("text") or r.get("custom") for r in replies)


def test_parse_gives_the_complaint_category(stack):
    body = requests.post(f"{stack['url']}/model/parse?token={RASA_TOKEN}",
                         json={"text": "隔壁饭店的油烟天天往我家窗户里灌"}, timeout=60).json()
    selector = body["response_selector"]["complain"]
    assert selector["response"]["intent_response_key"] == "complain/restaurant_fumes"
    assert 0 < selector["response"]["confidence"] <= 1
    assert selector["ranking"][0]["intent_response_key"] == "complain/restaurant_fumes"


def test_parse_requires_the_token(stack):
    assert requests.post(f"{stack['url']}/model/parse", json={"text": "你好"}, timeout=30).status_code == 401


def test_complaint_conversation_files_a_petition(stack):
    sender = "e2e-complainer"
    first = texts(say(stack, sender, "楼下烧烤店油烟呛死人了，天天熏到半夜"))
    assert "哪个街道" in first
    assert "同意工作人员联系您" in texts(say(stack, sender, "东山街道百家湖花园3栋"))
    summary = texts(say(stack, sender, "可以"))
    assert "确认提交" in summary and "餐饮油烟" in summary and "区城市管理局" in summary
    filed = say(stack, sender, "是的")
    assert "JN2026" in texts(filed)
    cards = [c for r in filed for c in (r.get("custom") or {}).get("cards", [])]
    assert cards and cards[0]["type"] == "petition"
    (petition,) = stack["backend"].petitions
    assert petition["request"]["street"] == "dongshan" and petition["request"]["contact_consent"] is True
    assert "百家湖花园" in petition["request"]["address"]


def test_service_question_and_follow_up(stack):
    sender = "e2e-service"
    first = say(stack, sender, "小孩上户口要带啥材料")
    assert "出生医学证明" in texts(first)
    assert "即办" in texts(say(stack, sender, "那要多久"))


def test_memory_of_the_rasa_server(stack):
    status = Path(f"/proc/{stack['rasa_pid']}/status").read_text()
    rss_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
    print(f"\nrasa server RSS: {rss_kb / 1024:.0f} MiB")
    assert rss_kb < 4 * 1024 * 1024
