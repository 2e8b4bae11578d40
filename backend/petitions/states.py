"""The petition state machine: states, actions, who may take each action and from where."""

from __future__ import annotations

from dataclasses import dataclass

SUBMITTED, DISPATCHED, ACCEPTED, REPLIED, CLOSED = "submitted", "dispatched", "accepted", "replied", "closed"
RETURNED, WITHDRAWN, MERGED = "returned", "withdrawn", "merged"
STATES = (SUBMITTED, DISPATCHED, ACCEPTED, REPLIED, CLOSED, RETURNED, WITHDRAWN, MERGED)
FINAL = (CLOSED, WITHDRAWN, MERGED)
# The dispatcher's manual queue.
QUEUE = (SUBMITTED, RETURNED)

STAFF_LABELS = {
    SUBMITTED: "待派单", DISPATCHED: "待签收", ACCEPTED: "办理中", REPLIED: "已答复待评价",
    CLOSED: "已办结", RETURNED: "已退回待派单", WITHDRAWN: "已撤回", MERGED: "已合并",
}
# Residents never learn that a department sent their petition back; they see it waiting again.
RESIDENT_LABELS = {
    SUBMITTED: "已提交", DISPATCHED: "已受理", ACCEPTED: "办理中", REPLIED: "已答复",
    CLOSED: "已办结", RETURNED: "已受理", WITHDRAWN: "已撤回", MERGED: "已合并办理",
}
# The status in a resident's WeChat subscription message goes to a `phrase` keyword, which WeChat accepts
# only as 1–5 Chinese characters: deliberate short forms (never slices), hiding returns like RESIDENT_LABELS.
NOTICE_PHRASES = {
    SUBMITTED: "已提交", DISPATCHED: "已受理", ACCEPTED: "办理中", REPLIED: "已答复",
    CLOSED: "已办结", RETURNED: "已受理", WITHDRAWN: "已撤回", MERGED: "已合并",
}
# Actions whose news is not the resulting status (a transfer stays dispatched, an extension accepted).
ACTION_PHRASES = {"transfer": "已转办", "approve_extension": "延期办理"}


def notice_phrase(status: str, action: str | None = None) -> str:
    """The ≤5-character status phrase of a resident notification about an action."""
    return ACTION_PHRASES.get(action) or NOTICE_PHRASES[status]

# Actor kinds used in the table below.
OWNER = "owner"            # the resident who filed the petition
CLERK = "clerk"            # a clerk of the department handling it
DISPATCHER = "dispatcher"
SUPERVISOR = "supervisor"
SYSTEM = "system"          # routing and the SLA sweep


@dataclass(frozen=True)
class Action:
    """One action: from which states, to which state (None = unchanged), by whom."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    actors: tuple[str, ...]
    reason_required: bool = False
    # Queue a WeChat subscription message to the resident.
    notify: bool = False
    # Shown in the resident's timeline (False: internal only).
    resident_visible: bool = True


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("submit", "提交", (), SUBMITTED, (OWNER,)),
    Action("dispatch", "派单", (SUBMITTED, RETURNED), DISPATCHED, (DISPATCHER, SUPERVISOR, SYSTEM), notify=True),
    Action("transfer", "转派", (DISPATCHED, ACCEPTED), DISPATCHED, (DISPATCHER, SUPERVISOR),
           reason_required=True, notify=True),
    Action("accept", "签收", (DISPATCHED,), ACCEPTED, (CLERK,), notify=True),
    Action("return", "退回", (DISPATCHED,), RETURNED, (CLERK,), reason_required=True, resident_visible=False),
    Action("request_extension", "申请延期", (ACCEPTED,), None, (CLERK,), reason_required=True,
           resident_visible=False),
    Action("approve_extension", "批准延期", (ACCEPTED,), None, (SUPERVISOR,), notify=True),
    Action("reject_extension", "驳回延期", (ACCEPTED,), None, (SUPERVISOR,), reason_required=True,
           resident_visible=False),
    Action("reply", "答复", (ACCEPTED,), REPLIED, (CLERK,), notify=True),
    Action("rate", "评价", (REPLIED,), CLOSED, (OWNER,)),
    Action("auto_close", "自动办结", (REPLIED,), CLOSED, (SYSTEM,), notify=True),
    Action("reopen", "重办", (REPLIED, CLOSED), DISPATCHED, (OWNER,), reason_required=True),
    Action("withdraw", "撤回", (SUBMITTED, DISPATCHED, RETURNED), WITHDRAWN, (OWNER,)),
    Action("merge", "合并", (SUBMITTED, DISPATCHED, RETURNED), MERGED, (DISPATCHER, SUPERVISOR), notify=True),
)}
# Actions staff and residents may request through the API (submit and the system's are internal).
STAFF_ACTIONS = tuple(n for n, a in ACTIONS.items() if set(a.actors) & {CLERK, DISPATCHER, SUPERVISOR})
RESIDENT_ACTIONS = ("rate", "reopen", "withdraw")
# Conditions beyond the status that the handlers check (an extension request waits for its decision).
READY = {
    "request_extension": lambda p: p.extension_status != "requested",
    "approve_extension": lambda p: p.extension_status == "requested",
    "reject_extension": lambda p: p.extension_status == "requested",
}


def actor_kinds(principal, petition) -> set[str]:
    """Which actor kinds of the table a principal is for this petition."""
    if principal.kind == "system":
        return {SYSTEM}
    if principal.kind == "resident":
        return {OWNER} if principal.id == petition.resident_id else set()
    if principal.kind != "staff":
        return set()
    kinds = set()
    if principal.has_role(DISPATCHER):
        kinds.add(DISPATCHER)
    if principal.has_role(SUPERVISOR):
        kinds.add(SUPERVISOR)
    # Admins pass role checks, but only a member of the department may act as its clerk.
    if principal.role == "clerk" and petition.department_id and principal.department_id == petition.department_id:
        kinds.add(CLERK)
    return kinds


def allowed_actions(principal, petition) -> list[Action]:
    """The staff actions the principal may take on the petition now: the buttons the console shows."""
    kinds = actor_kinds(principal, petition)
    return [spec for spec in (ACTIONS[name] for name in STAFF_ACTIONS)
            if petition.status in spec.sources and kinds & set(spec.actors)
            and READY.get(spec.name, lambda p: True)(petition)]
