"""WeChat integration: get_gateway() returns the app's mini-program WeChatGateway; the official account's
client is in integrations.wechat.official."""

from __future__ import annotations

from flask import current_app

from integrations.wechat.errors import (
    InvalidCode,
    RateLimited,
    SubscriptionRefused,
    WeChatError,
    WeChatUnavailable,
)
from integrations.wechat.gateway import Session, TextCheck, WeChatGateway, WechatpyGateway

__all__ = [
    "InvalidCode", "RateLimited", "Session", "SubscriptionRefused", "TextCheck", "WeChatError",
    "WeChatGateway", "WeChatUnavailable", "WechatpyGateway", "get_gateway", "init_app", "use_gateway",
]


def init_app(app) -> None:
    """Builds the app's gateway and official-account client from its settings (no network access here)."""
    from integrations.wechat import official

    official.init_app(app)
    settings = app.config["SETTINGS"]
    use_gateway(app, WechatpyGateway(
        appid=settings.wechat_appid, secret=settings.wechat_secret,
        api_base=settings.wechat_api_base, timeout=settings.wechat_timeout,
    ))


def use_gateway(app, gateway: WeChatGateway) -> WeChatGateway | None:
    """Replaces the app's gateway (tests point it at the fake server); returns the previous one."""
    previous = app.extensions.get("wechat")
    app.extensions["wechat"] = gateway
    return previous


def get_gateway() -> WeChatGateway:
    """The current app's WeChat gateway."""
    return current_app.extensions["wechat"]
