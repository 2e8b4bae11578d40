"""Catalog test helpers: a valid item payload and a reader of the seeded demo items."""

import json
from pathlib import Path

import pytest

ITEMS_FILE = Path(__file__).resolve().parents[2] / "backend" / "catalog" / "data" / "items.json"


def demo_items() -> list[dict]:
    """The demo catalog as shipped."""
    return json.loads(ITEMS_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def item_payload():
    """A complete, valid item that the demo catalog does not contain."""
    return {
        "code": "320115-TEST-001",
        "name": "蜂蜜采集备案登记",
        "department": "agriculture_rural",
        "audience": "个人",
        "themes": ["就业创业"],
        "aliases": ["养蜂备案", "蜜蜂养殖登记"],
        "keywords": ["养蜂", "蜂农"],
        "summary": "为在江宁区从事蜂蜜采集的蜂农办理养蜂备案登记。",
        "conditions": ["在江宁区从事养蜂生产"],
        "materials": [{"name": "养蜂证明", "form": "原件", "count": 1, "notes": ""}],
        "steps": [{"title": "提交申请", "description": "到窗口提交材料"}],
        "legal_time_limit_days": 20,
        "promised_time_limit_days": 5,
        "fee": "不收费",
        "places": [{"name": "区政务服务中心", "address": "天元东路1009号", "hours": "工作日", "phone": "025-00000000"}],
        "online_url": "https://example.gov.cn/beekeeping",
        "faq": [{"question": "要收费吗？", "answer": "不收费。"}],
    }
