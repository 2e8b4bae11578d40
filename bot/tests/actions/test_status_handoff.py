"""Petition status, human handoff and the fallback that leads to it."""
from conftest import load_tracker, run_action

from actions.common import BACKEND_APOLOGY
from actions.complaints import ActionFileComplaint
from actions.handoff import ActionHandleFallback, ActionHumanHandoff
from actions.status import ActionPetitionStatus


def test_status_without_petitions(backend, domain):
    messages, _ = run_action(ActionPetitionStatus(), load_tracker("check_status"), domain)
    assert "还没有提交过诉求" in messages[0]["text"]
    assert backend.calls("GET", "/api/v1/bot/petitions")[0][2] == {"sender_id": ["resident-7"]}


def test_status_lists_the_residents_own_petitions(backend, domain):
    run_action(ActionFileComplaint(), load_tracker("complaint_ready"), domain)
    run_action(ActionFileComplaint(), load_tracker("complaint_ready", sender_id="someone-else"), domain)
    messages, _ = run_action(ActionPetitionStatus(), load_tracker("check_status"), domain)
    text = messages[0]["text"]
    assert "共1条" in text and "JN2026000001｜已提交｜区城市管理局" in text
    assert "JN2026000002" not in text
    assert [c["code"] for c in messages[0]["custom"]["cards"]] == ["JN2026000001"]


def test_status_backend_error(backend, domain):
    backend.fail_with = 502
    messages, _ = run_action(ActionPetitionStatus(), load_tracker("check_status"), domain)
    assert messages[0]["text"] == BACKEND_APOLOGY


def test_handoff_tells_how_staff_will_answer(backend, domain):
    messages, _ = run_action(ActionHumanHandoff(), load_tracker("human_handoff"), domain)
    assert backend.handoffs == [{"sender_id": "resident-9", "reason": "resident_request"}]
    assert "8:30–17:30" in messages[0]["text"] and "12345" in messages[0]["text"]


def test_handoff_failure_points_to_12345(backend, domain):
    backend.fail_with = 500
    messages, _ = run_action(ActionHumanHandoff(), load_tracker("human_handoff"), domain)
    assert "没有成功" in messages[0]["text"] and "12345" in messages[0]["text"]


def test_first_fallback_asks_to_rephrase(backend, domain):
    tracker = load_tracker("fallback_twice", events=[
        {"event": "user", "text": "啊吧啊吧", "parse_data": {"intent": {"name": "nlu_fallback"}}}])
    messages, _ = run_action(ActionHandleFallback(), tracker, domain)
    assert "换个说法" in messages[0]["text"]
    assert backend.handoffs == []


def test_second_fallback_in_a_row_hands_off(backend, domain):
    messages, _ = run_action(ActionHandleFallback(), load_tracker("fallback_twice"), domain)
    assert backend.handoffs == [{"sender_id": "resident-9", "reason": "repeated_fallback"}]
    assert "8:30–17:30" in messages[-1]["text"]
