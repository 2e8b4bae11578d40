"""A small HTTP client for the backend's bot-facing API (see bot/README.md, "Backend contract")."""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional

import requests

logger = logging.getLogger(__name__)

# The backend's internal pool (Procfile `web-internal`), not the public one: see docs/chat.md.
DEFAULT_BASE_URL = "http://127.0.0.1:8001"
DEFAULT_TIMEOUT_SECONDS = 3.0


class BackendError(Exception):
    """The backend could not be reached, timed out, or answered with an unexpected status."""


class NotAvailable(BackendError):
    """The backend has no such resource or endpoint (HTTP 404)."""


class BackendClient:
    """Calls the backend with the bot's service token; every failure becomes a BackendError."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        token: str = "",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        session: Optional[requests.Session] = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = session or requests.Session()

    @classmethod
    def from_env(cls) -> "BackendClient":
        """Builds a client from BACKEND_URL, BOT_SERVICE_TOKEN and BACKEND_TIMEOUT (read at call time)."""
        return cls(
            base_url=os.environ.get("BACKEND_URL") or DEFAULT_BASE_URL,
            token=os.environ.get("BOT_SERVICE_TOKEN", ""),
            timeout=float(os.environ.get("BACKEND_TIMEOUT") or DEFAULT_TIMEOUT_SECONDS),
        )

    # -- catalog -------------------------------------------------------------------------------
    def search_services(self, query: str, limit: int = 3) -> List[Dict[str, Any]]:
        """Searches the service catalog; returns the matching items, best first."""
        body = self._request("GET", "/api/mp/services", params={"q": query, "limit": limit})
        return list(body.get("items") or [])

    def get_service(self, code: str) -> Dict[str, Any]:
        """Returns the full guide of one service item; NotAvailable when the code is unknown."""
        return self._request("GET", f"/api/mp/services/{requests.utils.quote(code, safe='')}")

    # -- petitions -----------------------------------------------------------------------------
    def file_petition(
        self,
        sender_id: str,
        content: str,
        street: Optional[str],
        address: str,
        contact_consent: bool,
    ) -> Dict[str, Any]:
        """Files a complaint for the resident; returns id, number, status, department, reply_deadline."""
        payload = {
            "sender_id": sender_id,
            "type": "投诉",
            "content": content,
            "street": street,
            "address": address,
            "contact_consent": contact_consent,
        }
        return self._request("POST", "/api/v1/bot/petitions", json=payload, expected=(200, 201))

    def list_petitions(self, sender_id: str) -> List[Dict[str, Any]]:
        """Lists the resident's recent petitions, newest first."""
        body = self._request("GET", "/api/v1/bot/petitions", params={"sender_id": sender_id})
        return list(body.get("items") or [])

    def suggest_routing(self, text: str, street: Optional[str]) -> Dict[str, Any]:
        """Asks the routing service which department would get this complaint."""
        return self._request("POST", "/api/v1/routing/suggest", json={"text": text, "street": street})

    # -- handoff and information ---------------------------------------------------------------
    def request_handoff(self, sender_id: str, reason: str) -> None:
        """Asks the backend to put this conversation in front of a human."""
        self._request("POST", "/api/v1/bot/handoff", json={"sender_id": sender_id, "reason": reason},
                      expected=(200, 201, 202, 204))

    def get_info(self, kind: str, street: Optional[str], sender_id: str = "", text: str = "") -> Dict[str, Any]:
        """Answers a question about convenience information (weather, notices, activities, hospitals, transit):
        {"text", "cards", "street"}; the backend falls back to the street of the sender's profile."""
        params = {k: v for k, v in (("street", street), ("sender_id", sender_id), ("q", text)) if v}
        return self._request("GET", f"/api/v1/bot/info/{kind}", params=params)

    # -- transport -----------------------------------------------------------------------------
    def _request(self, method: str, path: str, expected=(200,), **kwargs: Any) -> Dict[str, Any]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.base_url + path
        try:
            response = self.session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            logger.warning("backend %s %s failed: %s", method, path, exc)
            raise BackendError(str(exc)) from exc
        if response.status_code == 404:
            raise NotAvailable(f"{method} {path}: 404")
        if response.status_code not in expected:
            logger.warning("backend %s %s answered %s", method, path, response.status_code)
            raise BackendError(f"{method} {path}: HTTP {response.status_code}")
        if not response.content:
            return {}
        try:
            body = response.json()
        except ValueError as exc:
            raise BackendError(f"{method} {path}: not JSON") from exc
        if not isinstance(body, dict):
            raise BackendError(f"{method} {path}: unexpected body")
        return body
