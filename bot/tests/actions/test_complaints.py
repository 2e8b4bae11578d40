"""The complaint form's validation, the summary, filing and cancelling."""
import asyncio

from conftest import load_tracker, run_action, slot_events
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints import (ActionCancelComplaint, ActionComplaintSummary, ActionFileComplaint,
                                ValidateComplaintForm)


def validate(method: str, tracker, domain, value=None):
    dispatcher = CollectingDispatcher()
    fn = getattr(ValidateComplaintForm(), method)
    result = fn(dispatcher, tracker, domain) if value is None else fn(value, dispatcher, tracker, domain)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return result, dispatcher.messages


def test_description_keeps_the_category_the_model_gave_it(domain):
    tracker = load_tracker("complaint_first_message")
    result, messages = validate("validate_complaint_text", tracker, domain, "楼下烧烤店油烟呛死人了")
    assert result == {"complaint_text": "楼下烧烤店油烟呛死人了", "complaint_category": "restaurant_fumes",
                      "complaint_confidence": 0.91}
    assert messages == []


def test_too_short_description_is_asked_again(domain):
    result, messages = validate("validate_complaint_text", load_tracker("complaint_first_message"), domain, "油烟")
    assert result == {"complaint_text": None}
    assert messages[0]["response"] == "utter_complaint_text_too_short"


def test_form_run_asks_only_for_the_street_when_the_description_came_first(domain):
    messages, events = run_action(ValidateComplaintForm(), load_tracker("complaint_first_message"), domain)
    assert slot_events(events)["complaint_category"] == "restaurant_fumes"
    assert "street" not in slot_events(events)


def test_street_answer_with_a_place_but_no_street_keeps_the_place_as_address(domain):
    result, _ = validate("extract_street", load_tracker("complaint_street_answer"), domain)
    assert result == {"street": "unknown", "address": "就在百家湖花园北门那边"}


def test_street_answer_dont_know(domain):
    tracker = load_tracker("complaint_street_answer", latest_message={
        "text": "不太清楚是哪个街道", "intent": {"name": "deny"}, "entities": []})
    assert validate("extract_street", tracker, domain)[0] == {"street": "unknown"}


def test_street_answer_that_gives_up_fills_nothing(domain):
    tracker = load_tracker("complaint_street_answer", latest_message={
        "text": "算了", "intent": {"name": "deny"}, "entities": []})
    assert validate("extract_street", tracker, domain)[0] == {}


def test_street_named_in_text_without_entity(domain):
    tracker = load_tracker("complaint_street_answer", latest_message={
        "text": "在秣陵这边", "intent": {"name": "inform"}, "entities": []})
    assert validate("extract_street", tracker, domain)[0] == {"street": "moling"}


def test_street_entity_with_more_text_fills_the_address_too(domain):
    tracker = load_tracker("complaint_street_answer", latest_message={
        "text": "东山街道百家湖花园3栋", "intent": {"name": "inform"},
        "entities": [{"entity": "street", "value": "dongshan", "start": 0, "end": 4}]})
    assert validate("extract_street", tracker, domain)[0] == {}
    result, _ = validate("validate_street", tracker, domain, "dongshan")
    assert result == {"street": "dongshan", "address": "百家湖花园3栋"}


def test_summary_names_the_department_from_routing(backend, domain):
    backend.routing = {"department": {"code": "urban_management", "name": "区城市管理局"},
                       "category": "restaurant_fumes", "confidence": 0.9, "alternatives": []}
    messages, events = run_action(ActionComplaintSummary(), load_tracker("complaint_ready"), domain)
    text = messages[0]["text"]
    assert "问题：楼下烧烤店油烟呛死人了" in text
    assert "地点：东山街道 百家湖花园3栋" in text
    assert "类别：餐饮油烟" in text and "将转交：区城市管理局" in text and "联系您：同意" in text
    assert backend.calls("POST", "/api/v1/routing/suggest")[0][3] == {
        "text": "楼下烧烤店油烟呛死人了，天天晚上熏到十二点", "street": "dongshan"}
    assert events == []


def test_summary_falls_back_to_the_category_department_without_routing(backend, domain):
    tracker = load_tracker("complaint_ready", slots={"complaint_category": "living_noise", "street": "unknown"})
    text = run_action(ActionComplaintSummary(), tracker, domain)[0][0]["text"]
    assert "将转交：公安江宁分局" in text and "类别：社会生活噪声" in text
    assert "地点：百家湖花园3栋" in text
    assert backend.calls("POST", "/api/v1/routing/suggest")[0][3]["street"] is None


def test_filing_posts_the_contract_payload_and_replies_with_a_petition_card(backend, domain):
    messages, events = run_action(ActionFileComplaint(), load_tracker("complaint_ready"), domain)
    (call,) = backend.calls("POST", "/api/v1/bot/petitions")
    assert call[3] == {"sender_id": "resident-7", "type": "投诉",
                       "content": "楼下烧烤店油烟呛死人了，天天晚上熏到十二点",
                       "street": "dongshan", "address": "百家湖花园3栋", "contact_consent": True}
    text = messages[0]["text"]
    assert "JN2026000001" in text and "区城市管理局" in text and "2026-12-02" in text
    (petition_card,) = messages[0]["custom"]["cards"]
    assert petition_card["type"] == "petition" and petition_card["code"] == "JN2026000001"
    assert all(value is None for value in slot_events(events).values())


def test_filing_with_unknown_street_sends_null(backend, domain):
    run_action(ActionFileComplaint(), load_tracker("complaint_ready", slots={"street": "unknown", "contact_consent": False}), domain)
    body = backend.calls("POST", "/api/v1/bot/petitions")[0][3]
    assert body["street"] is None and body["contact_consent"] is False


def test_filing_failure_says_it_was_not_filed(backend, domain):
    backend.fail_with = 500
    messages, _ = run_action(ActionFileComplaint(), load_tracker("complaint_ready"), domain)
    assert "没能提交成功" in messages[0]["text"] and "12345" in messages[0]["text"]
    assert "custom" not in messages[0] or not messages[0]["custom"]


def test_cancel_clears_the_form(domain):
    tracker = load_tracker("complaint_street_answer")
    messages, events = run_action(ActionCancelComplaint(), tracker, domain)
    assert "先不提交" in messages[0]["text"]
    assert slot_events(events)["complaint_text"] is None
