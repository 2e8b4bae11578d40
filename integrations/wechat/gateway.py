"""The WeChat mini-program API as the backend needs it, implemented with wechatpy."""

from __future__ import annotations

import logging
from typing import NamedTuple, Protocol

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from integrations.wechat.errors import RISKY_CONTENT, WeChatError, WeChatUnavailable, classify
from integrations.wechat.storage import FallbackTokenStorage
from integrations.wechat.transport import PooledTransport

log = logging.getLogger(__name__)

# msg_sec_check v2 labels (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/sec-center/sec-check/msgSecCheck.html)
LABELS = {
    100: "正常", 10001: "广告", 20001: "时政", 20002: "色情", 20003: "辱骂", 20006: "违法犯罪",
    20008: "欺诈", 20012: "低俗", 20013: "版权", 21000: "其他",
}
SCENE_COMMENT = 2  # msg_sec_check scene "评论", the closest to a petition text


class Session(NamedTuple):
    """What jscode2session returns; session_key must never leave the server."""

    openid: str
    session_key: str
    unionid: str | None = None


class TextCheck(NamedTuple):
    """Outcome of a content check: ok is False only when WeChat calls the text risky."""

    ok: bool
    label: int

    @property
    def reason(self) -> str:
        """The label in Chinese (正常, 辱骂, 欺诈…)."""
        return LABELS.get(self.label, "其他")


class WeChatGateway(Protocol):
    """The three WeChat calls the backend makes; every failure is an integrations.wechat.errors exception."""

    def code_to_session(self, code: str) -> Session: ...

    def check_text(self, openid: str, text: str) -> TextCheck: ...

    def send_subscribe_message(self, openid: str, template_id: str, data: dict, page: str | None = None) -> None: ...


class _Client(WeChatClient):
    """wechatpy's client pointed at a configurable API base (the fake server in tests)."""

    def __init__(self, appid: str, secret: str, api_base: str, timeout: float):
        super().__init__(appid, secret, session=FallbackTokenStorage(), timeout=timeout)
        self._http = PooledTransport(timeout)
        self.api_base = api_base.rstrip("/")
        self.API_BASE_URL = self.api_base + "/cgi-bin/"
        self.wxa.API_BASE_URL = self.api_base + "/"

    def fetch_access_token(self):
        """Same as wechatpy's, against the configured base URL."""
        return self._fetch_access_token(
            url=self.api_base + "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class WechatpyGateway:
    """WeChatGateway over wechatpy; the access token is cached in Redis (or memory)."""

    def __init__(self, *, appid: str, secret: str, api_base: str, timeout: float = 5.0):
        self.client = _Client(appid, secret, api_base, timeout)

    @property
    def api_base(self) -> str:
        return self.client.api_base

    def _call(self, func, *args, **kwargs) -> dict:
        try:
            result = func(*args, **kwargs)
        except WeChatClientException as exc:
            raise classify(exc.errcode, str(exc.errmsg or "")) from exc
        except requests.RequestException as exc:
            raise WeChatUnavailable(exc.__class__.__name__) from exc
        except ValueError as exc:  # the token endpoint answered something that is not JSON
            raise WeChatUnavailable("invalid response") from exc
        if not isinstance(result, dict):
            raise WeChatUnavailable("invalid response")
        return result

    def code_to_session(self, code: str) -> Session:
        """Exchanges a wx.login() code for the resident's openid and session key."""
        result = self._call(self.client.wxa.code_to_session, code)
        if not result.get("openid") or not result.get("session_key"):
            raise WeChatUnavailable("jscode2session without openid")
        return Session(result["openid"], result["session_key"], result.get("unionid") or None)

    def check_text(self, openid: str, text: str, *, scene: int = SCENE_COMMENT) -> TextCheck:
        """Asks msg_sec_check (v2) whether a resident's text may be published."""
        data = {"content": text, "version": 2, "scene": scene, "openid": openid}
        try:
            result = self._call(self.client.wxa._post, "wxa/msg_sec_check", data=data)
        except WeChatError as exc:
            # The v1 protocol (and some gateways) answer risky content with an error code instead.
            if exc.errcode == RISKY_CONTENT:
                return TextCheck(False, 21000)
            raise
        verdict = result.get("result") or {}
        suggest = verdict.get("suggest", "pass")
        label = int(verdict.get("label") or 100)
        return TextCheck(suggest != "risky", label)

    def send_subscribe_message(self, openid: str, template_id: str, data: dict, page: str | None = None) -> None:
        """Sends a subscription message; SubscriptionRefused when the resident has not subscribed."""
        self._call(self.client.wxa.send_subscribe_message, openid, template_id, data, page)
