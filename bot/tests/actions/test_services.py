"""action_answer_service against the fake catalog, over real HTTP."""
from conftest import load_tracker, run_action, slot_events

from actions.common import BACKEND_APOLOGY
from actions.services import ActionAnswerService


def test_answers_the_materials_of_the_named_service_with_a_card(backend, domain):
    messages, events = run_action(ActionAnswerService(), load_tracker("ask_service_materials"), domain)

    (message,) = messages
    assert "出生医学证明（原件，1份）" in message["text"]
    assert "父母结婚证" in message["text"]
    assert message["custom"]["cards"] == [
        {"type": "service_item", "code": "ga-birth-registration", "title": "出生登记（新生儿入户）"}]
    assert slot_events(events)["service_code"] == "ga-birth-registration"
    (search,) = backend.calls("GET", "/api/mp/services")
    # a new question is searched whole: catalog search weighs the need over the rest
    assert search[2]["q"] == ["小孩上户口要带什么"] and search[2]["limit"] == ["3"]
    assert "buttons" not in message or not message["buttons"]


def test_follow_up_answers_about_the_item_in_the_slot(backend, domain):
    messages, events = run_action(ActionAnswerService(), load_tracker("ask_service_aspect"), domain)

    assert "即办" in messages[0]["text"] and "法定时限20个工作日" in messages[0]["text"]
    assert backend.calls("GET", "/api/mp/services") == []
    assert backend.calls("GET", "/api/mp/services/ga-birth-registration")
    assert slot_events(events)["aspect"] == "time_limit"


def test_follow_up_aspect_found_by_keyword_when_no_entity(backend, domain):
    tracker = load_tracker("ask_service_aspect", latest_message={
        "text": "那要不要钱", "intent": {"name": "ask_service_aspect"}, "entities": []})
    messages, _ = run_action(ActionAnswerService(), tracker, domain)
    assert messages[0]["text"].startswith("「出生登记（新生儿入户）」的收费：不收费")


def test_place_answer_lists_address_hours_phone_and_online_link(backend, domain):
    tracker = load_tracker("ask_service_aspect", latest_message={
        "text": "在哪办", "intent": {"name": "ask_service_aspect"},
        "entities": [{"entity": "aspect", "value": "place", "start": 0, "end": 3}]})
    text = run_action(ActionAnswerService(), tracker, domain)[0][0]["text"]
    assert "江宁区东山街道上元大街1号" in text and "025-00000001" in text
    assert "https://example.invalid/birth" in text


def test_conditions_and_process_come_from_the_catalog(backend, domain):
    for words, expected in (("谁能申请", "家庭人均月收入低于低保标准"), ("流程是什么", "向户籍所在地街道提出申请")):
        tracker = load_tracker("ask_service_aspect", slots={"service_code": "mz-dibao"}, latest_message={
            "text": words, "intent": {"name": "ask_service_aspect"}, "entities": []})
        assert expected in run_action(ActionAnswerService(), tracker, domain)[0][0]["text"]


def test_follow_up_without_context_asks_which_service(backend, domain):
    tracker = load_tracker("ask_service_aspect", slots={"service_code": None})
    messages, _ = run_action(ActionAnswerService(), tracker, domain)
    assert messages[0]["response"] == "utter_ask_which_service"
    assert backend.requests == []


def test_unknown_service_says_nothing_was_found(backend, domain):
    tracker = load_tracker("ask_service_materials", latest_message={
        "text": "养宠物要办什么证", "intent": {"name": "ask_service"},
        "entities": [{"entity": "service", "value": "养宠物", "start": 0, "end": 3}]})
    messages, events = run_action(ActionAnswerService(), tracker, domain)
    assert "没有找到" in messages[0]["text"] and "养宠物" in messages[0]["text"]
    assert "service_code" not in slot_events(events)


def test_question_without_entity_is_searched_whole(backend, domain):
    tracker = load_tracker("ask_service_materials", latest_message={
        "text": "公积金提取要几天", "intent": {"name": "ask_service"},
        "entities": [{"entity": "aspect", "value": "time_limit", "start": 5, "end": 8}]})
    messages, _ = run_action(ActionAnswerService(), tracker, domain)
    assert backend.calls("GET", "/api/mp/services")[0][2]["q"] == ["公积金提取要几天"]
    assert "承诺3个工作日内办结" in messages[0]["text"]


def test_the_named_service_is_searched_when_the_whole_question_finds_nothing(backend, domain):
    tracker = load_tracker("ask_service_materials", latest_message={
        "text": "我想问问吃低报的事", "intent": {"name": "ask_service"},
        "entities": [{"entity": "service", "value": "低报", "start": 5, "end": 7}]})
    backend.catalog["mz-dibao"]["keywords"].append("低报救助")
    messages, _ = run_action(ActionAnswerService(), tracker, domain)
    queries = [call[2]["q"][0] for call in backend.calls("GET", "/api/mp/services")]
    assert queries == ["我想问问吃低报的事", "低报"]
    assert messages[0]["custom"]["cards"][0]["code"] == "mz-dibao"


def test_a_question_that_sounds_like_a_grievance_gets_the_complaint_button(backend, domain):
    tracker = load_tracker("ask_service_materials", latest_message={
        "text": "低保申请了半年一直没人处理", "intent": {"name": "ask_service", "confidence": 0.7}, "entities": []})
    messages, _ = run_action(ActionAnswerService(), tracker, domain)
    assert messages[0]["custom"]["cards"][0]["code"] == "mz-dibao"
    assert messages[0]["buttons"] == [{"title": "我要反映问题", "payload": "/start_complaint"}]


def test_a_service_question_instead_of_confirming_a_complaint_leaves_the_form(backend, domain):
    tracker = load_tracker("ask_service_materials", active_loop={"name": "complaint_form"},
                           slots={"requested_slot": "complaint_confirmed", "complaint_text": "低保的事"})
    messages, events = run_action(ActionAnswerService(), tracker, domain)
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert slot_events(events)["complaint_text"] is None and slot_events(events)["requested_slot"] is None
    assert messages[0]["custom"]["cards"][0]["code"] == "ga-birth-registration"


def test_backend_error_becomes_an_apology(backend, domain):
    backend.fail_with = 500
    messages, events = run_action(ActionAnswerService(), load_tracker("ask_service_materials"), domain)
    assert messages[0]["text"] == BACKEND_APOLOGY
    assert events == []


def test_backend_timeout_becomes_an_apology(backend, domain, monkeypatch):
    monkeypatch.setenv("BACKEND_TIMEOUT", "0.2")
    backend.delay_seconds = 0.6
    messages, _ = run_action(ActionAnswerService(), load_tracker("ask_service_materials"), domain)
    assert messages[0]["text"] == BACKEND_APOLOGY


def test_backend_down_becomes_an_apology(domain, monkeypatch):
    monkeypatch.setenv("BACKEND_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    messages, _ = run_action(ActionAnswerService(), load_tracker("ask_service_materials"), domain)
    assert messages[0]["text"] == BACKEND_APOLOGY


def test_item_gone_since_the_follow_up_context_was_stored(backend, domain):
    tracker = load_tracker("ask_service_aspect", slots={"service_code": "removed-item"})
    messages, events = run_action(ActionAnswerService(), tracker, domain)
    assert "查不到" in messages[0]["text"]
    assert slot_events(events)["service_code"] is None


def test_a_follow_up_without_context_that_names_something_is_searched(backend, domain):
    tracker = load_tracker("ask_service_aspect", slots={"service_code": None}, latest_message={
        "text": "买了套房子公积金提取流程是怎样的", "intent": {"name": "ask_service_aspect"}, "entities": []})
    messages, _ = run_action(ActionAnswerService(), tracker, domain)
    assert messages[0]["custom"]["cards"][0]["code"] == "gjj-withdrawal"
