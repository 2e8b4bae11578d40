"""Masking of personal data: the table in masking_cases.tsv, logs, and what a trainer sees of conversations."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest

from backend.conversations import service as conversations
from backend.core.masking import mask_data, mask_text
from backend.core.models import utcnow
from backend.extensions import db
from tests.conversations.conftest import make_resident


def _load_cases() -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in (Path(__file__).parent / "masking_cases.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        text, masked, secrets = line.split("\t")
        rows.append((text, masked, [s for s in secrets.split(",") if s]))
    return rows


CASES = _load_cases()
PERSONAL = [case for case in CASES if case[2]]
_SEPARATORS = re.compile(r"[\s\-.()（）]")


def _survives(secret: str, text: str) -> bool:
    """True when the secret can still be read in text, whatever spaces, dashes or digit widths it is written with."""
    plain = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    return _SEPARATORS.sub("", secret).upper() in plain


def test_the_table_is_large_and_has_negatives():
    assert len(PERSONAL) >= 40
    assert len(CASES) - len(PERSONAL) >= 10


@pytest.mark.parametrize("text, masked, secrets", CASES, ids=[case[0] for case in CASES])
def test_mask_text(text, masked, secrets):
    assert mask_text(text) == masked
    for secret in secrets:
        assert _survives(secret, text), "the table's secret must be readable in its input"
        assert not _survives(secret, masked)
    if not secrets:
        assert masked == text
    assert mask_text(masked) == masked  # masking twice changes nothing


def test_mask_data_reaches_every_string():
    data = {"a": ["电话13812345678", {"b": "身份证320115199001011234", "n": 13812345678}], "c": None}
    assert mask_data(data) == {"a": ["电话138****5678", {"b": "身份证320115********1234", "n": 13812345678}],
                               "c": None}


def test_logs_mask_every_variant(app, caplog):
    with caplog.at_level(logging.INFO):
        for text, _, _ in PERSONAL:
            logging.getLogger("backend.anything").info("resident said %s", text)
    for text, masked, secrets in PERSONAL:
        assert masked in caplog.text
        for secret in secrets:
            assert not _survives(secret, caplog.text), text


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def test_trainers_never_see_personal_data(app, client, auth):
    """Every variant said in chat, repeated by the bot, kept as an entity and given as handoff reason: all masked."""
    resident_id, headers = make_resident(app)
    for text, _, _ in PERSONAL:  # RASA_URL is empty here: chat degrades and still logs the turn
        response = client.post("/api/mp/chat", json={"text": text}, headers=headers, buffered=True)
        assert response.status_code == 200
    with app.app_context():
        conversation = conversations.get_by_sender(sender_id=str(resident_id))
        for index, (text, _, _) in enumerate(PERSONAL):
            # The bot's summary repeats what the resident said, as the complaint form does.
            conversations.record_turn(conversations.turn_row(
                conversation_id=conversation.id, text=text, outcome="ok", latency_ms=5,
                created_at=utcnow() + timedelta(seconds=index + 1),
                replies=[{"text": f"好的，已为您记录：{text}", "cards": [],
                          "buttons": [{"title": text, "payload": f'/inform{{"phone":"{text}"}}'}]}],
                understanding={"intent": "inform", "confidence": 0.9, "ranking": [],
                               "entities": [{"entity": "contact", "value": text, "text": text}],
                               "response_selector": {}, "actions": ["utter_summary"]},
            ))
    reason = "居民要求人工：" + "；".join(text for text, _, _ in PERSONAL[:6])
    assert client.post("/api/v1/bot/handoff", json={"sender_id": str(resident_id), "reason": reason[:255]},
                       headers=auth.service()).status_code == 202

    trainer = auth.staff("trainer")
    listing = client.get("/api/v1/conversations", query_string={"limit": 100}, headers=trainer).get_json()
    assert any(item["id"] == conversation.id and item["handoff_reason"] for item in listing["items"])
    turns = client.get(f"/api/v1/conversations/{conversation.id}/turns", query_string={"limit": 100},
                       headers=trainer).get_json()
    assert turns["total"] == 2 * len(PERSONAL)
    texts = [turn["text"] for turn in turns["items"]]
    assert texts == [mask_text(" ".join(t.split())) for t, _, _ in PERSONAL] + [masked for _, masked, _ in PERSONAL]
    strings = list(_strings(listing)) + list(_strings(turns))
    for text, _, secrets in PERSONAL:
        for secret in secrets:
            leaks = [s for s in strings if _survives(secret, s)]
            assert not leaks, (text, leaks[:3])
    with app.app_context():
        stored = db.session.get(type(conversation), conversation.id)
        assert stored.handoff_reason.startswith("居民要求人工：请联系我138****5678")


def test_staff_petition_lists_mask_what_residents_typed(app, client, auth):
    from tests.petitions.conftest import VALID

    _, headers = make_resident(app)
    content = "小区门口烧烤摊油烟很大，请联系我 +86 138-1234-5678，我住12栋3单元502室"
    response = client.post("/api/mp/petitions", json={**VALID, "content": content}, headers=headers)
    assert response.status_code == 201, response.get_json()
    listing = client.get("/api/v1/petitions", query_string={"q": "烧烤"}, headers=auth.staff("dispatcher")).get_json()
    summaries = [item["summary"] for item in listing["items"] if item["id"] == response.get_json()["id"]]
    assert summaries == [mask_text(content)[:60]]
    assert not _survives("13812345678", summaries[0]) and not _survives("12栋3单元502室", summaries[0])
