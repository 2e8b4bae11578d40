"""A fake WeChat API server on loopback, speaking the real protocol so the wechatpy client code runs.

Run it for development with `python -m integrations.wechat.fake_server --port 8010`, or use
`FakeWeChatServer()` as a context manager in tests (it picks a free port).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

from integrations.wechat import defaults

DEFAULT_RISKY_WORDS = ("违禁词", "敏感测试")
RISKY_LABEL = 20006  # 违法犯罪
# Special login codes that make jscode2session fail the way WeChat does.
ERROR_CODES = {"invalid": (40029, "invalid code"), "ratelimit": (45011, "api minute-quota reach limit"),
               "busy": (-1, "system error")}


def openid_for(code: str) -> str:
    """The stable openid for a login code: codes "alice#1" and "alice#2" are the same user opening the app twice."""
    user = code.split("#", 1)[0]
    return "o" + hashlib.sha256(("openid:" + user).encode()).hexdigest()[:27]


def _valid_data(data) -> bool:
    """Like WeChat: every keyword is {"value": text}, and a "thing" holds at most 20 characters."""
    if not isinstance(data, dict) or not data:
        return False
    for key, item in data.items():
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            return False
        if key.startswith("thing") and len(item["value"]) > 20:
            return False
    return True


class FakeState:
    """Everything the fake remembers; guarded by one lock because requests arrive on many threads."""

    def __init__(self, appid: str, secret: str, risky_words, oa_appid: str = "", oa_secret: str = ""):
        self.appid, self.secret = appid, secret
        # The mini-program's and the official account's credentials: both get access tokens here.
        self.accounts = {appid: secret, **({oa_appid: oa_secret} if oa_appid else {})}
        self.risky_words = tuple(risky_words)
        self.lock = threading.Lock()
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.used_codes: set[str] = set()
        self.messages: list[dict] = []
        # Customer-service messages (message/custom/send) of the official account.
        self.custom_messages: list[dict] = []
        self.send_attempts = 0
        self.fail_next = 0
        self.fail_errcode = -1
        self.refused: set[str] = set()


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeWeChat/1.0"
    # Keep-alive like WeChat's servers: a client's pooled connection is reused, not reopened per call.
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one write (flushed after each request): written apart, Nagle's algorithm
    # and the client's delayed ACK would hold the body back for 40 ms on a kept-alive connection.
    wbufsize = -1
    disable_nagle_algorithm = True
    state: FakeState  # set on the subclass made per server

    def log_message(self, format, *args):  # noqa: A002 — quiet: tests read results, not access logs
        pass

    # --- plumbing -------------------------------------------------------------------------------
    def _send(self, body: dict, status: int = 200) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _error(self, errcode: int, errmsg: str) -> None:
        self._send({"errcode": errcode, "errmsg": errmsg})

    def _query(self) -> dict:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def _read_body(self) -> bytes:
        # On a kept-alive connection an unread body would be parsed as the next request: always read it.
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _json(self) -> dict | None:
        try:
            body = json.loads(self._body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            return None
        return body if isinstance(body, dict) else None

    def _token_ok(self) -> bool:
        with self.state.lock:
            ok = self._query().get("access_token") in self.state.tokens
        if not ok:
            self._error(40001, "invalid credential, access_token is invalid or not latest")
        return ok

    # --- routes ---------------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802 — http.server's naming
        self._body = self._read_body()
        path = urlsplit(self.path).path
        routes = {"/cgi-bin/token": self._token, "/sns/jscode2session": self._jscode2session,
                  "/_fake/messages": self._list_messages, "/_fake/custom-messages": self._list_custom_messages}
        routes.get(path, self._not_found)()

    def do_POST(self):  # noqa: N802
        self._body = self._read_body()
        path = urlsplit(self.path).path
        routes = {"/wxa/msg_sec_check": self._msg_sec_check, "/cgi-bin/message/subscribe/send": self._subscribe_send,
                  "/cgi-bin/message/custom/send": self._custom_send,
                  "/_fake/fail-next": self._set_fail_next, "/_fake/refuse": self._set_refused,
                  "/_fake/expire-tokens": self._expire_tokens}
        routes.get(path, self._not_found)()

    def do_DELETE(self):  # noqa: N802
        self._body = self._read_body()
        path = urlsplit(self.path).path
        if path in ("/_fake/messages", "/_fake/custom-messages"):
            with self.state.lock:
                (self.state.messages if path == "/_fake/messages" else self.state.custom_messages).clear()
            return self._send({"errcode": 0, "errmsg": "ok"})
        self._not_found()

    def _not_found(self):
        self._send({"errcode": 404, "errmsg": "not found"}, status=404)

    def _credentials_ok(self, query: dict) -> bool:
        if query.get("appid") not in self.state.accounts:
            self._error(40013, "invalid appid")
            return False
        if query.get("secret") != self.state.accounts[query["appid"]]:
            self._error(40125, "invalid appsecret")
            return False
        return True

    def _token(self):
        query = self._query()
        if query.get("grant_type") != "client_credential":
            return self._error(40002, "invalid grant_type")
        if not self._credentials_ok(query):
            return
        token = secrets.token_urlsafe(32)
        with self.state.lock:
            self.state.tokens.add(token)
            self.state.token_requests += 1
        self._send({"access_token": token, "expires_in": 7200})

    def _jscode2session(self):
        query = self._query()
        if query.get("grant_type") != "authorization_code":
            return self._error(40002, "invalid grant_type")
        if not self._credentials_ok(query):
            return
        code = query.get("js_code", "")
        if not code or code in ERROR_CODES:
            return self._error(*ERROR_CODES.get(code, (40029, "invalid code")))
        with self.state.lock:
            if code in self.state.used_codes:
                return self._error(40163, "code been used")
            self.state.used_codes.add(code)
        body = {"openid": openid_for(code), "session_key": secrets.token_urlsafe(16)}
        if code.startswith("union-"):
            body["unionid"] = "u" + hashlib.sha256(("unionid:" + code.split("#", 1)[0]).encode()).hexdigest()[:27]
        self._send(body)

    def _msg_sec_check(self):
        if not self._token_ok():
            return
        body = self._json()
        if body is None or not isinstance(body.get("content"), str):
            return self._error(47001, "data format error")
        risky = any(word in body["content"] for word in self.state.risky_words)
        if body.get("version") != 2:
            return self._error(87014, "risky content") if risky else self._send({"errcode": 0, "errmsg": "ok"})
        if not body.get("openid"):
            return self._error(40003, "invalid openid")
        suggest, label = ("risky", RISKY_LABEL) if risky else ("pass", 100)
        self._send({"errcode": 0, "errmsg": "ok", "trace_id": secrets.token_hex(8),
                    "result": {"suggest": suggest, "label": label},
                    "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}]})

    def _subscribe_send(self):
        if not self._token_ok():
            return
        body = self._json()
        if body is None or not body.get("touser") or not body.get("template_id") or not _valid_data(body.get("data")):
            return self._error(47003, "argument invalid! data.param invalid")
        refusal = (43101, "user refuse to accept the msg")
        with self.state.lock:
            if self._refused_send(body["touser"], refusal):
                return
            self.state.messages.append({key: body.get(key) for key in ("touser", "template_id", "page", "data")})
            msgid = len(self.state.messages)
        self._send({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    def _refused_send(self, touser: str, refusal: tuple[int, str]) -> bool:
        """Counts a send attempt and answers the failure set up for it, if any (call holding the lock)."""
        self.state.send_attempts += 1
        if self.state.fail_next > 0:
            self.state.fail_next -= 1
            self._error(self.state.fail_errcode, "system error")
            return True
        if touser in self.state.refused:
            self._error(*refusal)
            return True
        return False

    def _custom_send(self):
        """Like WeChat's customer-service API: text (≤ 2048 bytes) or news; 45015 once the user has not written
        for 48 hours (here: a refused openid)."""
        if not self._token_ok():
            return
        body = self._json()
        msgtype = body.get("msgtype") if body else None
        if body is None or not body.get("touser") or msgtype not in ("text", "news"):
            return self._error(40008, "invalid message type")
        if msgtype == "text":
            content = (body.get("text") or {}).get("content")
            if not isinstance(content, str) or not content or len(content.encode()) > 2048:
                return self._error(45002, "content size out of limit")
        with self.state.lock:
            if self._refused_send(body["touser"], (45015, "response out of time limit or subscription is canceled")):
                return
            self.state.custom_messages.append({key: body.get(key) for key in ("touser", "msgtype", msgtype)})
        self._send({"errcode": 0, "errmsg": "ok"})

    def _list_custom_messages(self):
        with self.state.lock:
            items = list(self.state.custom_messages)
        self._send({"items": items})

    def _list_messages(self):
        with self.state.lock:
            items = list(self.state.messages)
        self._send({"items": items, "send_attempts": self.state.send_attempts})

    def _set_fail_next(self):
        body = self._json() or {}
        with self.state.lock:
            self.state.fail_next = int(body.get("count", 1))
            self.state.fail_errcode = int(body.get("errcode", -1))
        self._send({"errcode": 0, "errmsg": "ok"})

    def _set_refused(self):
        body = self._json() or {}
        with self.state.lock:
            self.state.refused.add(str(body.get("openid", "")))
        self._send({"errcode": 0, "errmsg": "ok"})

    def _expire_tokens(self):
        with self.state.lock:
            self.state.tokens.clear()
        self._send({"errcode": 0, "errmsg": "ok"})


class FakeWeChatServer:
    """The fake on a loopback port, in a background thread; `with FakeWeChatServer() as wx: wx.url`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, appid: str = defaults.FAKE_APPID,
                 secret: str = defaults.FAKE_SECRET, risky_words=DEFAULT_RISKY_WORDS,
                 oa_appid: str = defaults.FAKE_OA_APPID, oa_secret: str = defaults.FAKE_OA_SECRET):
        self.state = FakeState(appid, secret, risky_words, oa_appid, oa_secret)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def appid(self) -> str:
        return self.state.appid

    @property
    def secret(self) -> str:
        return self.state.secret

    def start(self) -> FakeWeChatServer:
        """Serves in a daemon thread."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fake-wechat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and frees the port."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeWeChatServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # Helpers for tests; each goes through the HTTP control endpoints like an outside client would.
    def messages(self) -> list[dict]:
        """Subscription messages WeChat accepted, oldest first."""
        return requests.get(self.url + "/_fake/messages", timeout=5).json()["items"]

    def custom_messages(self) -> list[dict]:
        """Customer-service messages the official account sent, oldest first ({touser, msgtype, text|news})."""
        return requests.get(self.url + "/_fake/custom-messages", timeout=5).json()["items"]

    def clear_messages(self) -> None:
        """Forgets the recorded messages."""
        requests.delete(self.url + "/_fake/messages", timeout=5)

    def fail_next_sends(self, count: int, errcode: int = -1) -> None:
        """Makes the next `count` subscribe/send calls fail with errcode (-1: system busy)."""
        requests.post(self.url + "/_fake/fail-next", json={"count": count, "errcode": errcode}, timeout=5)

    def refuse(self, openid: str) -> None:
        """Makes the user with this openid refuse subscription messages (43101) and custom messages (45015)."""
        requests.post(self.url + "/_fake/refuse", json={"openid": openid}, timeout=5)

    def expire_tokens(self) -> None:
        """Invalidates every access token issued so far (WeChat answers 40001 until a new one is fetched)."""
        requests.post(self.url + "/_fake/expire-tokens", timeout=5)


def main(argv: list[str] | None = None) -> None:
    """Command line: serve the fake until interrupted."""
    parser = argparse.ArgumentParser(description="Fake WeChat API server for development and tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--appid", default=defaults.FAKE_APPID)
    parser.add_argument("--secret", default=defaults.FAKE_SECRET)
    parser.add_argument("--oa-appid", default=defaults.FAKE_OA_APPID, help="the official account's appid")
    parser.add_argument("--oa-secret", default=defaults.FAKE_OA_SECRET)
    parser.add_argument("--risky-word", action="append", dest="risky_words",
                        help="text containing it fails msg_sec_check (repeatable)")
    args = parser.parse_args(argv)
    server = FakeWeChatServer(args.host, args.port, appid=args.appid, secret=args.secret,
                              risky_words=args.risky_words or DEFAULT_RISKY_WORDS, oa_appid=args.oa_appid,
                              oa_secret=args.oa_secret)
    print(f"fake WeChat server on {server.url} (appid {args.appid})", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
