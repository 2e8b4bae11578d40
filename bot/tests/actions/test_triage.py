"""Triage of complaint-shaped messages, the complaint check, and the fallback's catalog evidence."""
import asyncio

from conftest import load_tracker, run_action, slot_events
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints import ActionCancelComplaint, ValidateComplaintForm
from actions.handoff import FALLBACK_TEXT, ActionHandleFallback
from actions.triage import ActionTriage
from actions.understanding import (is_unambiguous_complaint, looks_like_question, search_query,
                                   voices_grievance)

COMPLAINT_BUTTON = [{"title": "我要反映问题", "payload": "/start_complaint"}]


def complaint_message(text, confidence=0.93):
    return {"text": text, "intent": {"name": "complain", "confidence": confidence}, "entities": []}


def test_a_service_question_misread_as_a_complaint_gets_its_card_and_a_complaint_button(backend, domain):
    tracker = load_tracker("complaint_first_message", latest_message=complaint_message("孩子刚出生上户口要带什么"),
                           slots={"complaint_text": "孩子刚出生上户口要带什么"})
    messages, events = run_action(ActionTriage(), tracker, domain)
    (message,) = messages
    assert message["custom"]["cards"] == [
        {"type": "service_item", "code": "ga-birth-registration", "title": "出生登记（新生儿入户）"}]
    assert "出生医学证明" in message["text"]  # the materials, as asked
    assert message["buttons"] == COMPLAINT_BUTTON
    slots = slot_events(events)
    assert slots["triage"] == "service" and slots["complaint_text"] is None
    assert slots["service_code"] == "ga-birth-registration"


def test_a_grievance_goes_to_the_complaint_form_even_when_the_catalog_matches(backend, domain):
    tracker = load_tracker("complaint_first_message",
                           latest_message=complaint_message("低保申请了半年为什么还没人处理？"))
    messages, events = run_action(ActionTriage(), tracker, domain)
    assert messages == []
    assert slot_events(events) == {"triage": "complaint", "complaint_confirmed": True,
                                   "complaint_text": "低保申请了半年为什么还没人处理？"}


def test_a_question_the_catalog_does_not_know_goes_to_the_form_with_the_check(backend, domain):
    tracker = load_tracker("complaint_first_message", latest_message=complaint_message("路灯坏了找谁"))
    messages, events = run_action(ActionTriage(), tracker, domain)
    assert messages == []
    assert slot_events(events) == {"triage": "complaint", "complaint_confirmed": None, "complaint_text": "路灯坏了找谁"}
    assert [call[2]["q"] for call in backend.calls("GET", "/api/mp/services")] == [["路灯坏了找谁"]]


def test_a_complaint_beyond_doubt_skips_the_check(backend, domain):
    tracker = load_tracker("complaint_first_message",
                           latest_message=complaint_message("楼下烧烤店油烟呛死人了，天天熏到半夜", 0.96))
    _, events = run_action(ActionTriage(), tracker, domain)
    assert slot_events(events)["triage"] == "complaint" and slot_events(events)["complaint_confirmed"] is True
    # not a question, no catalog needed
    assert backend.calls("GET", "/api/mp/services") == []


def test_backend_down_means_the_complaint_path_with_the_check(domain, monkeypatch):
    monkeypatch.setenv("BACKEND_URL", "http://127.0.0.1:9")
    tracker = load_tracker("complaint_first_message", latest_message=complaint_message("公积金怎么提取", 0.6))
    messages, events = run_action(ActionTriage(), tracker, domain)
    assert messages == []
    assert slot_events(events)["triage"] == "complaint" and slot_events(events)["complaint_confirmed"] is None


def test_a_service_question_is_answered(backend, domain):
    messages, events = run_action(ActionTriage(), load_tracker("ask_service_materials"), domain)
    assert messages[0]["custom"]["cards"][0]["code"] == "ga-birth-registration"
    assert not messages[0].get("buttons")
    assert slot_events(events)["triage"] == "service"


def test_a_service_question_that_voices_a_grievance_gets_the_complaint_check(backend, domain):
    text = "小区门口的垃圾天天没人管，臭死了"
    tracker = load_tracker("ask_service_materials", latest_message={
        "text": text, "intent": {"name": "ask_service", "confidence": 0.6}, "entities": []})
    messages, events = run_action(ActionTriage(), tracker, domain)
    assert messages == []
    assert slot_events(events) == {"triage": "complaint", "complaint_text": text, "complaint_confirmed": None}


def test_a_grievance_question_the_catalog_names_gets_the_card_and_the_button(backend, domain):
    tracker = load_tracker("ask_service_materials", latest_message={
        "text": "低保一直没人处理，到底怎么申请？", "intent": {"name": "ask_service", "confidence": 0.7}, "entities": []})
    messages, events = run_action(ActionTriage(), tracker, domain)
    assert messages[0]["custom"]["cards"][0]["code"] == "mz-dibao"
    assert messages[0]["buttons"] == COMPLAINT_BUTTON
    assert slot_events(events)["triage"] == "service"


def test_shape_of_messages():
    assert looks_like_question("今年居民医保什么时候缴费")
    assert looks_like_question("家里困难怎么申请低保")
    assert not looks_like_question("楼下烧烤店油烟呛死人了")
    assert voices_grievance("物业不管，投诉好几次了")
    assert not voices_grievance("孩子满16岁了第一次办身份证需要带什么")
    assert is_unambiguous_complaint("我要投诉", "start_complaint", 0.99)
    assert not is_unambiguous_complaint("路灯坏了", "complain", 0.99)           # too short to be sure
    assert not is_unambiguous_complaint("小区门口的垃圾一直没人清运", "complain", 0.5)  # the model is unsure
    assert search_query("啊" * 150 + "公积金怎么取") .endswith("公积金怎么取")
    assert len(search_query("啊" * 150)) == 100


def _extract_confirmed(tracker, domain):
    result = ValidateComplaintForm().extract_complaint_confirmed(CollectingDispatcher(), tracker, domain)
    return asyncio.run(result)


def test_i_want_to_complain_needs_no_check(domain):
    tracker = load_tracker("complaint_first_message", latest_message={
        "text": "我要投诉", "intent": {"name": "start_complaint", "confidence": 0.99}, "entities": []})
    assert _extract_confirmed(tracker, domain) == {"complaint_confirmed": True}


def test_describing_the_problem_when_asked_for_the_check_is_a_yes(domain):
    tracker = load_tracker("complaint_first_message", slots={"requested_slot": "complaint_confirmed"},
                           latest_message=complaint_message("就是小区门口垃圾没人收"))
    assert _extract_confirmed(tracker, domain) == {"complaint_confirmed": True}
    tracker = load_tracker("complaint_first_message", latest_message=complaint_message("就是小区门口垃圾没人收"))
    assert _extract_confirmed(tracker, domain) == {}  # the form just started: the triage decided


def test_no_at_the_check_offers_the_service_the_message_named(backend, domain):
    tracker = load_tracker("complaint_first_message", latest_message={
        "text": "不是", "intent": {"name": "deny", "confidence": 0.99}, "entities": []},
        slots={"requested_slot": "complaint_confirmed", "complaint_text": "公积金的事"})
    messages, events = run_action(ActionCancelComplaint(), tracker, domain)
    assert messages[0]["text"].startswith("好的，不是投诉")
    assert messages[1]["custom"]["cards"][0]["code"] == "gjj-withdrawal"
    assert slot_events(events)["complaint_text"] is None


def test_no_at_the_check_without_a_match_asks_which_service(backend, domain):
    tracker = load_tracker("complaint_first_message", latest_message={
        "text": "不是", "intent": {"name": "deny", "confidence": 0.99}, "entities": []},
        slots={"requested_slot": "complaint_confirmed", "complaint_text": "路灯的事"})
    messages, _ = run_action(ActionCancelComplaint(), tracker, domain)
    assert messages[0]["response"] == "utter_ask_which_service"


def test_no_later_in_the_form_cancels_the_complaint(backend, domain):
    tracker = load_tracker("complaint_first_message", slots={"requested_slot": "street"})
    messages, events = run_action(ActionCancelComplaint(), tracker, domain)
    assert messages[0]["text"].startswith("好的，这条诉求先不提交了")
    assert backend.requests == []
    assert slot_events(events)["complaint_confirmed"] is None


def fallback_message(text, *ranking):
    return {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.5}, "entities": [],
            "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.5},
                               *({"name": name, "confidence": value} for name, value in ranking)]}


def test_fallback_answers_a_service_question_the_model_was_unsure_of(backend, domain):
    tracker = load_tracker("fallback_twice", latest_message=fallback_message(
        "请问公积金提取要带啥", ("greet", 0.3), ("ask_service", 0.28)))
    messages, events = run_action(ActionHandleFallback(), tracker, domain)
    assert messages[0]["custom"]["cards"][0]["code"] == "gjj-withdrawal"
    assert backend.handoffs == []
    assert slot_events(events)["service_code"] == "gjj-withdrawal"
    assert slot_events(events)["triage"] == "service"


def test_fallback_guessing_a_service_question_answers_it(backend, domain):
    tracker = load_tracker("fallback_twice", latest_message=fallback_message(
        "小孩上户口的事", ("ask_service", 0.45), ("complain", 0.4)))
    messages, events = run_action(ActionHandleFallback(), tracker, domain)
    assert messages[0]["custom"]["cards"][0]["code"] == "ga-birth-registration"
    assert slot_events(events)["triage"] == "service" and backend.handoffs == []


def test_fallback_guessing_a_complaint_starts_the_check_never_skips_it(backend, domain):
    text = "隔壁邻居把阳台往外扩了一米多，这种可以随便搞的吗"
    tracker = load_tracker("fallback_twice", latest_message=fallback_message(text, ("complain", 0.45)))
    messages, events = run_action(ActionHandleFallback(), tracker, domain)
    assert messages == [] and backend.handoffs == []
    assert slot_events(events) == {"triage": "complaint", "complaint_text": text, "complaint_confirmed": None}


def test_fallback_without_a_service_still_asks_to_rephrase(backend, domain):
    tracker = load_tracker("fallback_twice", latest_message=fallback_message("啊这", ("greet", 0.3)), events=[])
    messages, events = run_action(ActionHandleFallback(), tracker, domain)
    assert messages[0]["text"] == FALLBACK_TEXT
    assert slot_events(events) == {"triage": None}

