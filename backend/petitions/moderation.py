"""Content checks before a petition is stored: the local word list, then WeChat's msg_sec_check."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from flask import current_app

from integrations.wechat import WeChatError

log = logging.getLogger(__name__)
WORDS_FILE = Path(__file__).parent / "data" / "sensitive_words.txt"


@lru_cache(maxsize=1)
def sensitive_words() -> tuple[str, ...]:
    """The local list, without comments and blank lines."""
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_local(text: str) -> str | None:
    """The reason to refuse text under the local list, or None."""
    for word in sensitive_words():
        if word in text:
            return f"内容包含不允许发布的词语“{word}”，请修改后再提交"
    return None


def _gateway():
    return current_app.extensions.get("wechat")


def check_text(*, openid: str | None, text: str) -> str | None:
    """The reason to refuse text (local list, then WeChat), or None when it may be stored."""
    reason = check_local(text)
    if reason:
        return reason
    gateway = _gateway()
    if gateway is None or not openid:
        return None
    try:
        verdict = gateway.check_text(openid, text)
    except WeChatError as exc:
        # WeChat down must not stop intake: the local list has been applied, and staff read every petition.
        log.warning("msg_sec_check unavailable: %s", exc.__class__.__name__)
        return None
    if verdict.ok:
        return None
    return f"内容未通过微信内容安全检测（{verdict.reason}），请修改后再提交"
