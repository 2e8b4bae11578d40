"""The HTTP transport under wechatpy: a urllib3 connection pool behind the small part of the requests
Session interface that wechatpy uses (request, get; a response with raise_for_status, content, json).

wechatpy builds every URL, handles tokens, retries on an expired token and decodes results itself; this
only carries the bytes. requests' per-call machinery (merging settings, hooks, cookie jars, proxy lookup)
cost more CPU than the rest of a petition filing, and content checks sit on the filing's hot path.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import requests
import urllib3


class Response:
    """What wechatpy reads of a response."""

    def __init__(self, status: int, content: bytes, headers, url: str):
        self.status_code = status
        self.content = content
        self.headers = headers
        self.url = url
        self.request = None
        self.encoding = "utf-8"

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(f"{self.status_code} for {self.url.split('?')[0]}", response=self)


class PooledTransport:
    """Keep-alive connections per host; failures surface as requests exceptions, as with a Session."""

    def __init__(self, timeout: float, maxsize: int = 10):
        self.timeout = timeout
        self._pool = urllib3.PoolManager(num_pools=4, maxsize=maxsize, retries=False)

    def request(self, method: str, url: str, params=None, data=None, timeout=None, headers=None,
                **unsupported) -> Response:
        if unsupported:
            raise TypeError(f"PooledTransport does not support {sorted(unsupported)}")
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        if isinstance(data, str):
            data = data.encode("utf-8")
        headers = dict(headers or {})
        if data is not None:
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        try:
            raw = self._pool.request(method, url, body=data, headers=headers,
                                     timeout=urllib3.Timeout(total=timeout or self.timeout), preload_content=True)
        except urllib3.exceptions.TimeoutError as exc:
            raise requests.Timeout(str(exc)) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise requests.ConnectionError(str(exc)) from exc
        return Response(raw.status, raw.data, raw.headers, url)

    def get(self, url: str, **kwargs) -> Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> Response:
        return self.request("POST", url, **kwargs)
