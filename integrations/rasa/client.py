"""HTTP client of the Rasa servers (bound to loopback or a private network, protected by a token).

Several instances may be configured (RASA_URLS): they share the SQL tracker store and the Redis lock
store, so any instance can take any turn of any conversation. Calls are spread round-robin; an
instance that refuses the connection is skipped for a while and the call goes to the next one.
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from dataclasses import dataclass, field

import requests
from flask import current_app
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

CHANNEL_PATH = "/webhooks/zhijian/webhook"
# Reaching a live instance takes a millisecond on loopback and a few on a LAN; past this it is down, and the
# call moves on to the next instance instead of eating the resident's wait.
CONNECT_TIMEOUT = 1.0
# How long an instance that refused a connection is left out of the rotation (it is still tried last).
DOWN_SECONDS = 10.0


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


@dataclass
class RasaInstance:
    """One Rasa server and until when it counts as down (time.monotonic())."""

    url: str
    down_until: float = 0.0

    def is_down(self, now: float) -> bool:
        """Whether a recent connection failure keeps it out of the rotation."""
        return now < self.down_until


class RasaClient:
    """Talks to one or more Rasa servers over one pooled keep-alive HTTP session per client."""

    def __init__(self, base_urls: tuple[str, ...] | list[str] | str, token: str, timeout: float,
                 connect_timeout: float = CONNECT_TIMEOUT):
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self.instances = [RasaInstance(url.rstrip("/")) for url in urls]
        self.base_urls = tuple(instance.url for instance in self.instances)
        self.token = token
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        # Each process starts at a random instance, so a fleet of web workers does not begin in step.
        self._turns = itertools.count(random.randrange(len(self.instances)))
        self._lock = threading.Lock()
        self._http = requests.Session()
        # Rasa listens on loopback: no proxy or .netrc lookups in the environment on every call.
        self._http.trust_env = False
        # Every request thread of the process may be waiting on Rasa at once: one kept-alive connection each.
        adapter = HTTPAdapter(pool_connections=len(self.instances), pool_maxsize=32)
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)

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

    def order(self) -> list[RasaInstance]:
        """The instances to try for the next call: the next one in turn first, those marked down last."""
        start = next(self._turns) % len(self.instances)
        rotated = self.instances[start:] + self.instances[:start]
        now = time.monotonic()
        return [i for i in rotated if not i.is_down(now)] + [i for i in rotated if i.is_down(now)]

    def _post(self, path: str, payload: dict, **kwargs) -> dict:
        failures = []
        for instance in self.order():
            try:
                response = self._http.post(instance.url + path, json=payload,
                                           timeout=(self.connect_timeout, self.timeout), **kwargs)
            except requests.ConnectionError as exc:
                # Refused, reset or unreachable before Rasa read the request (a connect timeout is one too):
                # no turn ran there, so the next instance may take it.
                self._mark_down(instance, exc)
                failures.append(f"{instance.url}: {exc.__class__.__name__}")
                continue
            except requests.RequestException as exc:
                # A read timeout: the turn may still be running there, so it is not sent a second time.
                raise RasaUnavailable(f"rasa {instance.url}: {exc.__class__.__name__}") from exc
            if response.status_code != 200:
                raise RasaUnavailable(f"rasa {instance.url} answered {response.status_code}")
            if instance.down_until:
                instance.down_until = 0.0
            try:
                return response.json()
            except ValueError as exc:
                raise RasaUnavailable(f"rasa {instance.url} answered invalid JSON") from exc
        raise RasaUnavailable("rasa unreachable: " + "; ".join(failures))

    def _mark_down(self, instance: RasaInstance, exc: Exception) -> None:
        with self._lock:
            was_up = not instance.is_down(time.monotonic())
            instance.down_until = time.monotonic() + DOWN_SECONDS
        if was_up and len(self.instances) > 1:
            log.warning("rasa instance %s unreachable (%s); trying the others for %.0f s",
                        instance.url, exc.__class__.__name__, DOWN_SECONDS)


def get_client() -> RasaClient | None:
    """The app's Rasa client, or None when no Rasa server is configured."""
    settings = current_app.config["SETTINGS"]
    if not settings.rasa_urls:
        return None
    client = current_app.extensions.get("rasa_client")
    if client is None or client.base_urls != settings.rasa_urls or client.timeout != settings.rasa_timeout:
        client = RasaClient(settings.rasa_urls, settings.rasa_token, settings.rasa_timeout)
        current_app.extensions["rasa_client"] = client
    return client
