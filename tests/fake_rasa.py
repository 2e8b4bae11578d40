"""A stand-in for the Rasa server on loopback, speaking the zhijian channel's protocol (POST
/webhooks/zhijian/webhook → {"messages": [...], "turn": {...}}) with a configurable delay: for tests where
Rasa's timing is the outside world (the official account's 5-second rule)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeRasa:
    """`with FakeRasa(delay=6) as rasa: rasa.url`; `rasa.calls` lists (sender, message) in arrival order."""

    def __init__(self, *, delay: float = 0.0, messages: list[dict] | None = None):
        self.delay = delay
        self.messages = messages if messages is not None else [{"text": "您好，我是小助手，已收到：{message}"}]
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002
                pass

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if self.path.split("?")[0] != "/webhooks/zhijian/webhook":
                    return self._answer(404, {"error": "not found"})
                with fake._lock:
                    fake.calls.append((body.get("sender"), body.get("message")))
                time.sleep(fake.delay)
                messages = [{**m, "text": m["text"].format(message=body.get("message"))} if "text" in m else m
                            for m in fake.messages]
                self._answer(200, {"messages": [{"recipient_id": body.get("sender"), **m} for m in messages],
                                   "turn": {"intent": "greet", "confidence": 0.93, "ranking": [], "entities": [],
                                            "actions": ["utter_greet"], "response_selector": {}}})

            def _answer(self, status: int, payload: dict) -> None:
                raw = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeRasa:
        threading.Thread(target=self.httpd.serve_forever, name="fake-rasa", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
