"""The notice workflow: draft → pending (submitted) → published → withdrawn; a rejection returns it to draft."""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, PENDING, PUBLISHED, WITHDRAWN = "draft", "pending", "published", "withdrawn"
STATES = (DRAFT, PENDING, PUBLISHED, WITHDRAWN)
LABELS = {DRAFT: "草稿", PENDING: "待审核", PUBLISHED: "已发布", WITHDRAWN: "已撤回", "expired": "已过期"}
CATEGORIES = {"general": "通知公告", "water": "停水通知", "power": "停电通知", "gas": "停气通知"}
OUTAGES = ("water", "power", "gas")


@dataclass(frozen=True)
class Action:
    """One workflow action: from which states to which, whether the author is excluded, whether a reason is needed."""

    name: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    not_author: bool = False
    reason_required: bool = False


ACTIONS = {
    "submit": Action("submit", (DRAFT,), PENDING, ("editor",)),
    # The four-eyes rule: whoever approves or rejects is not the author.
    "approve": Action("approve", (PENDING,), PUBLISHED, ("editor", "supervisor"), not_author=True),
    "reject": Action("reject", (PENDING,), DRAFT, ("editor", "supervisor"), not_author=True, reason_required=True),
    "withdraw": Action("withdraw", (PUBLISHED,), WITHDRAWN, ("editor", "supervisor"), reason_required=True),
}
