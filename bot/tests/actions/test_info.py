"""action_convenience_info: the backend's text and cards, honest about missing endpoints, never inventing data."""
from conftest import load_tracker, run_action, slot_events

from actions.info import ActionConvenienceInfo


def test_missing_endpoint_says_not_available_and_points_to_12345(backend, domain):
    messages, _ = run_action(ActionConvenienceInfo(), load_tracker("ask_weather"), domain)
    text = messages[0]["text"]
    assert "「天气」信息暂时还没有在线上提供" in text and "12345" in text
    (call,) = backend.calls("GET", "/api/v1/bot/info/weather")
    assert call[2]["street"] == ["tangshan"] and call[2]["sender_id"] == ["resident-1"] and call[2]["q"]


def test_failing_endpoint_says_not_available(backend, domain):
    backend.fail_with = 503
    messages, _ = run_action(ActionConvenienceInfo(), load_tracker("ask_notice"), domain)
    assert "暂时还没有在线上提供" in messages[0]["text"]


def test_notices_are_listed_with_notice_cards(backend, domain):
    backend.info["notices"] = {"items": [
        {"code": "n-1", "title": "12月1日停水通知", "date": "2026-11-28"},
        {"code": "n-2", "title": "冬季消防安全提示", "date": "2026-11-20"}]}
    messages, events = run_action(ActionConvenienceInfo(), load_tracker("ask_notice"), domain)
    text = messages[0]["text"]
    assert text.startswith("东山街道街道通知公告") and "12月1日停水通知（2026-11-28）" in text
    assert [c["code"] for c in messages[0]["custom"]["cards"]] == ["n-1", "n-2"]
    assert all(c["type"] == "notice" for c in messages[0]["custom"]["cards"])
    assert slot_events(events) == {"street": "dongshan"}


def test_empty_list_says_there_is_nothing_new(backend, domain):
    backend.info["activities"] = {"items": []}
    tracker = load_tracker("ask_notice", latest_message={"text": "有啥志愿活动", "intent": {"name": "ask_activity"}, "entities": []})
    messages, _ = run_action(ActionConvenienceInfo(), tracker, domain)
    assert messages[0]["text"] == "目前没有新的志愿活动。"
    assert backend.calls("GET", "/api/v1/bot/info/activities")[0][2] == {"sender_id": ["resident-1"],
                                                                         "q": ["有啥志愿活动"]}


def test_the_backends_text_and_cards_are_passed_on(backend, domain):
    backend.info["transit"] = {"text": "江宁10路：首班 05:40，末班 21:00", "street": "dongshan", "cards": [
        {"type": "transit", "code": "JN10", "title": "江宁10路", "subtitle": "首班 05:40 末班 21:00"},
        {"type": "transit", "title": "no code, dropped"}]}
    tracker = load_tracker("ask_notice", latest_message={"text": "江宁10路末班车几点", "intent": {"name": "ask_transit"},
                                                         "entities": []})
    messages, events = run_action(ActionConvenienceInfo(), tracker, domain)
    assert messages[0]["text"] == "江宁10路：首班 05:40，末班 21:00"
    assert messages[0]["custom"]["cards"] == [{"type": "transit", "code": "JN10", "title": "江宁10路",
                                               "subtitle": "首班 05:40 末班 21:00"}]
    assert backend.calls("GET", "/api/v1/bot/info/transit")[0][2]["q"] == ["江宁10路末班车几点"]
    assert slot_events(events) == {}  # the backend's street (the profile's) is not kept as the complaint street
