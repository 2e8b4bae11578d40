"""A threaded HTTP server on loopback for the providers' fakes, with a switch that makes it misbehave.

Each fake (weather, transit) subclasses `FakeHandler` for its routes; `POST /_fake/mode {"mode", "seconds"?}`
sets how every provider route answers from then on: `ok`, `http500`, `garbage` (200 with a body that is
not the protocol), `hang` (wait `seconds` — default 10 — then close without answering) or `error`
(the protocol's own error, e.g. QWeather's `code` "402").
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

MODES = ("ok", "http500", "garbage", "hang", "error")


class FakeState:
    """What a fake remembers: its failure mode and how many provider requests it received."""

    def __init__(self):
        self.lock = threading.Lock()
        self.mode = "ok"
        self.hang_seconds = 10.0
        self.requests = 0


class FakeHandler(BaseHTTPRequestHandler):
    """Routes GETs to `routes` (path → method name) after applying the failure mode."""

    protocol_version = "HTTP/1.1"
    wbufsize = -1
    disable_nagle_algorithm = True
    state: FakeState
    routes: dict[str, str] = {}

    def log_message(self, format, *args):  # noqa: A002 — quiet
        pass

    def send_body(self, raw: bytes, content_type: str, status: int = 200, headers: dict | None = None) -> None:
        """Writes one complete response."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def send_json(self, body: dict, status: int = 200) -> None:
        """Writes a JSON response."""
        self.send_body(json.dumps(body, ensure_ascii=False).encode(), "application/json; charset=utf-8", status)

    def query(self) -> dict:
        """The query string as a flat dict."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def do_GET(self):  # noqa: N802 — http.server's naming
        path = urlsplit(self.path).path
        name = self.routes.get(path)
        if name is None:
            return self.send_json({"code": "404", "error": "not found"}, status=404)
        with self.state.lock:
            self.state.requests += 1
            mode, seconds = self.state.mode, self.state.hang_seconds
        if mode == "hang":
            time.sleep(seconds)
            self.close_connection = True
            return None
        if mode == "http500":
            return self.send_body(b"Internal Server Error", "text/plain", status=500)
        if mode == "garbage":
            return self.send_body(b"\x00<html>\xff\xfe not what you asked for", "application/octet-stream")
        return getattr(self, name)(error=(mode == "error"))

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if urlsplit(self.path).path != "/_fake/mode":
            return self.send_json({"error": "not found"}, status=404)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        mode = body.get("mode") if isinstance(body, dict) else None
        if mode not in MODES:
            return self.send_json({"error": f"mode must be one of {MODES}"}, status=400)
        with self.state.lock:
            self.state.mode = mode
            self.state.hang_seconds = float(body.get("seconds") or 10.0)
        return self.send_json({"mode": mode})


class LoopbackServer:
    """Serves a FakeHandler subclass on a loopback port in a daemon thread (`with Fake() as fake: fake.url`)."""

    handler: type[FakeHandler]

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.state = self.make_state()
        handler = type("Handler", (self.handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True

    def make_state(self) -> FakeState:
        """The fake's state object (subclasses add their data)."""
        return FakeState()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        """Serves in a daemon thread."""
        threading.Thread(target=self.httpd.serve_forever, name=type(self).__name__, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stops serving and frees the port."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def set_mode(self, mode: str, seconds: float = 10.0) -> None:
        """Tells the fake how to answer from now on (through its HTTP control endpoint)."""
        response = requests.post(self.url + "/_fake/mode", json={"mode": mode, "seconds": seconds}, timeout=5)
        response.raise_for_status()

    @property
    def request_count(self) -> int:
        """Provider requests received so far."""
        with self.state.lock:
            return self.state.requests
