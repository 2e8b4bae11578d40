"""A fake of the backend's bot-facing API on 127.0.0.1, speaking the contract in bot/README.md."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlparse

TOKEN = "test-bot-service-token"


class FakeBackend:
    """Holds the fake's data, records every request, and can be told to fail or to be slow."""

    def __init__(self, catalog: List[Dict[str, Any]]) -> None:
        self.catalog = {item["code"]: item for item in catalog}
        self.petitions: List[Dict[str, Any]] = []
        self.handoffs: List[Dict[str, Any]] = []
        self.info: Dict[str, Dict[str, Any]] = {}  # kind → body; a kind not here answers 404
        self.routing: Optional[Dict[str, Any]] = None  # None → /routing/suggest answers 404
        self.requests: List[Tuple[str, str, Dict[str, List[str]], Any]] = []
        self.fail_with: Optional[int] = None
        self.delay_seconds = 0.0
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def _handle(self, method: str) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                backend.requests.append((method, parsed.path, parse_qs(parsed.query), body))
                if backend.delay_seconds:
                    time.sleep(backend.delay_seconds)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._send(401, {"error": "unauthorized"})
                if backend.fail_with:
                    return self._send(backend.fail_with, {"error": "boom"})
                status, payload = backend.route(method, parsed.path, parse_qs(parsed.query), body)
                self._send(status, payload)

            def _send(self, status: int, payload: Any) -> None:
                data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def calls(self, method: str, path: str) -> List[Tuple[str, str, Dict[str, List[str]], Any]]:
        """The recorded requests to one endpoint."""
        return [r for r in self.requests if r[0] == method and r[1] == path]

    # -- the contract --------------------------------------------------------------------------
    def route(self, method: str, path: str, query: Dict[str, List[str]], body: Any) -> Tuple[int, Any]:
        if method == "GET" and path == "/api/mp/services":
            q = (query.get("q") or [""])[0]
            limit = int((query.get("limit") or ["10"])[0])
            # Score like the real ranking's scale: a keyword the question contains counts 80 (a strong match,
            # actions/understanding.py), a question contained in a keyword 30.
            scored = [(sum(80.0 if word in q else 30.0 if q in word else 0.0 for word in i["keywords"]), i)
                      for i in self.catalog.values()]
            found = sorted(((s, i) for s, i in scored if s > 0), key=lambda pair: -pair[0])
            items = [{**{k: i[k] for k in ("code", "name", "department", "summary")}, "score": s} for s, i in found]
            return 200, {"items": items[:limit], "total": len(items)}
        if method == "GET" and path.startswith("/api/mp/services/"):
            item = self.catalog.get(path.rsplit("/", 1)[1])
            if not item:
                return 404, {"error": "not found"}
            return 200, {k: v for k, v in item.items() if k != "keywords"}
        if method == "POST" and path == "/api/v1/bot/petitions":
            number = f"JN2026{len(self.petitions) + 1:06d}"
            petition = {"id": len(self.petitions) + 1, "number": number, "status": "submitted",
                        "status_label": "已提交", "department": {"code": "urban_management", "name": "区城市管理局"},
                        "created_at": "2026-11-25T10:00:00+08:00", "reply_deadline": "2026-12-02T17:30:00+08:00",
                        "request": body}
            self.petitions.append(petition)
            return 201, {k: petition[k] for k in ("id", "number", "status", "department", "reply_deadline")}
        if method == "GET" and path == "/api/v1/bot/petitions":
            sender = (query.get("sender_id") or [""])[0]
            mine = [p for p in self.petitions if p["request"]["sender_id"] == sender]
            keys = ("number", "status", "status_label", "department", "created_at", "reply_deadline")
            return 200, {"items": [{k: p[k] for k in keys} for p in reversed(mine)]}
        if method == "POST" and path == "/api/v1/bot/handoff":
            self.handoffs.append(body)
            return 202, None
        if method == "POST" and path == "/api/v1/routing/suggest":
            if self.routing is None:
                return 404, {"error": "not found"}
            return 200, self.routing
        if method == "GET" and path.startswith("/api/v1/bot/info/"):
            kind = path.rsplit("/", 1)[1]
            if kind not in self.info:
                return 404, {"error": "not found"}
            return 200, self.info[kind]
        return 404, {"error": "not found"}
