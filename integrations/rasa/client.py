"""HTTP client of the Rasa server (bound to loopback, protected by a token)."""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
from flask import current_app

CHANNEL_PATH = "/webhooks/zhijian/webhook"


class RasaUnavailable(Exception):
    """Rasa did not answer, answered with an error, or answered nothing."""


@dataclass
class RasaTurn:
    """What Rasa said and how it understood the message."""

    messages: list[dict]
    intent: str | None = None
    confidence: float | None = None
    ranking: list[dict] = field(default_factory=list)
    entities: list[dict] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    response_selector: dict = field(default_factory=dict)


class RasaClient:
    """Talks to one Rasa server over one pooled keep-alive HTTP session per client."""

    def __init__(self, base_url: str, token: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._http = requests.Session()
        # Rasa listens on loopback: no proxy or .netrc lookups in the environment on every call.
        self._http.trust_env = False

    def converse(self, *, sender_id: str, text: str, metadata: dict | None = None) -> RasaTurn:
        """Sends one resident message and returns the bot's replies with the parse of the turn."""
        body = self._post(CHANNEL_PATH, {"sender": sender_id, "message": text, "metadata": metadata or {}},
                          headers={"Authorization": f"Bearer {self.token}"})
        messages = body.get("messages") if isinstance(body, dict) else None
        # Our channel answers 500 on failure, so a list (even empty) is a real answer; anything else,
        # like the stock REST channel's bare [] on internal errors, is a failure.
        if not isinstance(messages, list):
            raise RasaUnavailable("rasa returned no messages")
        turn = body.get("turn") or {}
        return RasaTurn(
            messages=messages,
            intent=turn.get("intent"),
            confidence=turn.get("confidence"),
            ranking=turn.get("ranking") or [],
            entities=turn.get("entities") or [],
            actions=turn.get("actions") or [],
            response_selector=turn.get("response_selector") or {},
        )

    def parse(self, text: str) -> dict:
        """Runs the NLU model on a text (POST /model/parse) and returns Rasa's parse result."""
        return self._post("/model/parse", {"text": text}, params={"token": self.token})

    def _post(self, path: str, payload: dict, **kwargs) -> dict:
        try:
            response = self._http.post(self.base_url + path, json=payload, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise RasaUnavailable(f"rasa unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"rasa answered {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise RasaUnavailable("rasa answered invalid JSON") from exc


def get_client() -> RasaClient | None:
    """The app's Rasa client, or None when no Rasa server is configured."""
    settings = current_app.config["SETTINGS"]
    if not settings.rasa_url:
        return None
    client = current_app.extensions.get("rasa_client")
    if client is None or client.base_url != settings.rasa_url:
        client = RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout)
        current_app.extensions["rasa_client"] = client
    return client
