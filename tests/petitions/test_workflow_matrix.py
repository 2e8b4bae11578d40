"""Every action × every state × every kind of actor: allowed ones move the petition, others are refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.core.models import utcnow
from backend.core.security import Principal
from backend.directory.service import get_department_by_code, get_staff_by_username, get_street_by_code
from backend.extensions import db
from backend.petitions import deadlines, service
from backend.petitions.errors import PetitionError
from backend.petitions.models import Petition, PetitionTransition
from tests.petitions.conftest import VALID, make_resident

STATES = ("submitted", "dispatched", "accepted", "replied", "closed", "returned", "withdrawn", "merged")
ACTORS = ("owner", "other_resident", "clerk", "other_clerk", "dispatcher", "supervisor", "trainer", "admin",
          "system")
# The specification, written out independently of backend/petitions/states.py:
# action → (states it may start from, actors allowed, state it leads to or None for unchanged)
SPEC = {
    "dispatch": (("submitted", "returned"), ("dispatcher", "supervisor", "admin", "system"), "dispatched"),
    "transfer": (("dispatched", "accepted"), ("dispatcher", "supervisor", "admin"), "dispatched"),
    "accept": (("dispatched",), ("clerk",), "accepted"),
    "return": (("dispatched",), ("clerk",), "returned"),
    "request_extension": (("accepted",), ("clerk",), None),
    "approve_extension": (("accepted",), ("supervisor", "admin"), None),
    "reject_extension": (("accepted",), ("supervisor", "admin"), None),
    "reply": (("accepted",), ("clerk",), "replied"),
    "rate": (("replied",), ("owner",), "closed"),
    "auto_close": (("replied",), ("system",), "closed"),
    "reopen": (("replied", "closed"), ("owner",), "dispatched"),
    "withdraw": (("submitted", "dispatched", "returned"), ("owner",), "withdrawn"),
    "merge": (("submitted", "dispatched", "returned"), ("dispatcher", "supervisor", "admin"), "merged"),
}
DATA = {
    "dispatch": {"department": "transport"},
    "transfer": {"department": "transport", "reason": "属于交通部门职责"},
    "return": {"reason": "不属于本部门职责"},
    "request_extension": {"days": 3, "reason": "需要现场勘查"},
    "reject_extension": {"reason": "理由不充分"},
    "reply": {"content": "已责令商户安装油烟净化设施，感谢您的监督。"},
    "rate": {"score": 5, "resolved": True, "comment": "很满意"},
    "reopen": {"reason": "问题没有解决"},
}
HANDLED = ("dispatched", "accepted", "replied", "closed", "withdrawn", "merged")


def _actor(name: str, owner_id: int, other_id: int) -> Principal:
    if name == "owner":
        return Principal("resident", owner_id)
    if name == "other_resident":
        return Principal("resident", other_id)
    if name == "system":
        return service.SYSTEM
    username = {"clerk": "clerk_urban_management", "other_clerk": "clerk_transport"}.get(name, name)
    staff = get_staff_by_username(username=username)
    return Principal("staff", staff.id, staff.role, staff.department_id, staff.username)


def _petition_in(state: str, resident, content: str, pending_extension: bool = False):
    # Built directly (filing is tested elsewhere): this table makes ~950 petitions.
    now = utcnow()
    accept_by, reply_by, close_by = deadlines.compute(type="投诉", urgency="normal", start=now)
    petition = Petition(
        number=f"JNTEST-{uuid.uuid4().hex[:12]}", resident_id=resident.id, type="投诉", content=content,
        street_id=get_street_by_code(code=VALID["street"]).id, status=state, accept_by=accept_by,
        reply_by=reply_by, close_by=close_by, body_hash="-", created_at=now,
    )
    db.session.add(petition)
    if state in HANDLED:
        petition.department_id = get_department_by_code(code="urban_management").id
    if pending_extension:
        petition.extension_status, petition.extension_days = "requested", 2
    if state in ("replied", "closed"):
        petition.replied_at = utcnow() - timedelta(days=8)
    if state == "closed":
        petition.closed_at = utcnow() - timedelta(days=1)
    db.session.commit()
    return petition


def _expected(action: str, state: str, actor: str) -> int | str:
    sources, actors, target = SPEC[action]
    clerk_matches = state in HANDLED
    if actor not in actors or (actor == "clerk" and not clerk_matches):
        return 403
    if state not in sources:
        return 409
    return target or state


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(SPEC))
def test_transition_table(app, action, state):
    with app.app_context():
        owner = make_resident(app)
        other = make_resident(app)
        owner, target = db.session.merge(owner), None
        if action == "merge":
            target = _petition_in("dispatched", owner, "另一件：烧烤摊油烟扰民，已经投诉过")
        for actor_name in ACTORS:
            petition = _petition_in(state, owner, f"{action}/{state}/{actor_name}：烧烤摊油烟扰民",
                                    pending_extension=action.endswith("_extension") and action != "request_extension")
            data = dict(DATA.get(action, {}))
            if target is not None:
                data["target"] = target.number
            expected = _expected(action, state, actor_name)
            actor = _actor(actor_name, owner.id, other.id)
            if isinstance(expected, int):
                with pytest.raises(PetitionError) as error:
                    service.transition(petition=petition, action=action, actor=actor, **data)
                assert error.value.code == expected, (action, state, actor_name)
                db.session.rollback()
                assert db.session.get(type(petition), petition.id).status == state
                continue
            row = service.transition(petition=petition, action=action, actor=actor, **data)
            assert petition.status == expected, (action, state, actor_name)
            audit = db.session.scalar(select(PetitionTransition).where(PetitionTransition.id == row.id))
            assert (audit.action, audit.from_status, audit.to_status) == (action, state, expected)
            assert audit.actor_kind == actor.kind and audit.actor_role == actor.role


def test_the_spec_covers_every_action():
    from backend.petitions import states

    assert set(SPEC) == set(states.ACTIONS) - {"submit"}
