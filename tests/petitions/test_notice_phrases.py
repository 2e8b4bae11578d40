"""The status in a resident's WeChat notification is a deliberate phrase WeChat accepts (1–5 Chinese characters)."""

import pytest

from backend.extensions import db
from backend.outbox.delivery import deliver_due
from backend.outbox.handlers import is_phrase
from backend.petitions import states
from tests.petitions.conftest import overdue_petition


@pytest.mark.parametrize("status", states.STATES)
def test_every_status_has_a_valid_phrase(status):
    assert is_phrase(states.notice_phrase(status)), states.notice_phrase(status)


@pytest.mark.parametrize("action", [name for name, spec in states.ACTIONS.items() if spec.notify])
def test_every_notified_action_reads_as_a_valid_phrase_in_every_state_it_can_leave_the_petition_in(action):
    spec = states.ACTIONS[action]
    for status in ([spec.target] if spec.target else spec.sources):
        assert is_phrase(states.notice_phrase(status, action))


def test_a_return_is_not_revealed_to_the_resident():
    assert states.notice_phrase(states.RETURNED) == states.notice_phrase(states.DISPATCHED) == "已受理"
    assert "退回" not in "".join(states.NOTICE_PHRASES.values()) + "".join(states.ACTION_PHRASES.values())


def test_phrases_are_never_sliced_statuses():
    # A phrase is the word chosen for the status, not its resident label cut to five characters.
    assert states.notice_phrase(states.MERGED) == "已合并"
    assert states.notice_phrase(states.ACCEPTED, "approve_extension") == "延期办理"
    assert states.notice_phrase(states.DISPATCHED, "transfer") == "已转办"


def test_the_resident_receives_the_phrase_of_each_step(app, client, auth, fake_wechat):
    with app.app_context():
        pid = overdue_petition(app, None, status="submitted")
    steps = [
        (auth.staff("dispatcher"), {"action": "dispatch", "department": "urban_management"}),
        (auth.staff("dispatcher"), {"action": "transfer", "department": "transport", "reason": "属于交通部门"}),
        (auth.staff("clerk_transport"), {"action": "accept"}),
        (auth.staff("clerk_transport"), {"action": "request_extension", "days": 3, "reason": "需要现场勘查"}),
        (auth.staff("supervisor"), {"action": "approve_extension"}),
        (auth.staff("clerk_transport"), {"action": "reply", "content": "已安排维修，感谢您的反映。"}),
    ]
    for headers, body in steps:
        response = client.post(f"/api/v1/petitions/{pid}/transitions", json=body, headers=headers)
        assert response.status_code == 200, response.get_json()
    with app.app_context():
        report = deliver_due()
        db.session.remove()
    assert len(report.sent) == 5 and report.failed == []
    phrases = [m["data"]["phrase2"]["value"] for m in fake_wechat.messages()]
    assert phrases == ["已受理", "已转办", "办理中", "延期办理", "已答复"]
