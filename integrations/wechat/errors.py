"""What can go wrong when talking to WeChat, as exceptions callers can act on."""

from __future__ import annotations

# WeChat error codes we give a meaning to; anything else is a WeChatError with the code.
INVALID_CODE = {40029, 40163}  # invalid js_code, js_code already used
RATE_LIMITED = {45009, 45011}  # daily API quota, per-minute frequency limit
RISKY_CONTENT = 87014
SUBSCRIPTION_REFUSED = 43101  # the user has not accepted (or has revoked) this template
CUSTOM_WINDOW_CLOSED = 45015  # official account: the user has not written in 48 hours (or unfollowed)
# Sending can never succeed by retrying: bad openid, template, data, message type or size, closed window.
PERMANENT_SEND_ERRORS = {40003, 40008, 40037, 41030, 45002, 47003, SUBSCRIPTION_REFUSED, CUSTOM_WINDOW_CLOSED}
BUSY = {-1}


class WeChatError(Exception):
    """WeChat answered with an error code."""

    def __init__(self, errcode: int | None, errmsg: str = ""):
        super().__init__(f"wechat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def permanent(self) -> bool:
        """True when retrying the same request cannot succeed."""
        return self.errcode in PERMANENT_SEND_ERRORS


class InvalidCode(WeChatError):
    """The login code is invalid, expired or already used."""


class RateLimited(WeChatError):
    """WeChat's frequency limit was hit; try again later."""


class SubscriptionRefused(WeChatError):
    """The resident has not subscribed to (or has refused) the message template."""


class WeChatUnavailable(WeChatError):
    """WeChat could not be reached or answered garbage (network, timeout, 5xx)."""

    def __init__(self, reason: str):
        super().__init__(None, reason)


def classify(errcode: int | None, errmsg: str = "") -> WeChatError:
    """Maps a WeChat error code to the exception that says what it means."""
    if errcode in INVALID_CODE:
        return InvalidCode(errcode, errmsg)
    if errcode in RATE_LIMITED:
        return RateLimited(errcode, errmsg)
    if errcode == SUBSCRIPTION_REFUSED:
        return SubscriptionRefused(errcode, errmsg)
    if errcode is None or errcode in BUSY:
        return WeChatUnavailable(errmsg or "wechat system busy")
    return WeChatError(errcode, errmsg)
