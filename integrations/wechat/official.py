"""The official account's (公众号) outgoing API: customer-service messages, with wechatpy."""

from __future__ import annotations

from typing import Protocol

from flask import current_app

from integrations.wechat.gateway import WechatpyGateway


class OfficialAccount(Protocol):
    """What the backend sends through the official account; failures are integrations.wechat.errors exceptions."""

    def send_text(self, openid: str, content: str) -> None: ...


class WechatpyOfficialAccount(WechatpyGateway):
    """OfficialAccount over wechatpy's message API; the same client plumbing (base URL, pooled transport,
    shared access token per appid) as the mini-program gateway."""

    def send_text(self, openid: str, content: str) -> None:
        """Sends a customer-service text message (message/custom/send) to a follower."""
        self._call(self.client.message.send_text, openid, content)


def init_app(app) -> None:
    """Builds the app's official-account client from its settings (no network access here)."""
    settings = app.config["SETTINGS"]
    use_official_account(app, WechatpyOfficialAccount(
        appid=settings.wechat_oa_appid, secret=settings.wechat_oa_secret,
        api_base=settings.wechat_api_base, timeout=settings.wechat_timeout,
    ))


def use_official_account(app, account: OfficialAccount) -> OfficialAccount | None:
    """Replaces the app's official-account client (tests point it at the fake server); returns the previous one."""
    previous = app.extensions.get("wechat_oa")
    app.extensions["wechat_oa"] = account
    return previous


def get_official_account() -> OfficialAccount:
    """The current app's official-account client."""
    return current_app.extensions["wechat_oa"]
