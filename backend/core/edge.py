"""Limits every request meets before a view runs: URL length, JSON size, depth and numbers, ids in paths.

Views parse bodies with webargs (flask-smorest) or request.get_json(); both use the standard json module, which
overflows the stack on deeply nested arrays and refuses integers of more than 4,300 digits with a ValueError that
nobody turns into a 4xx. So the body is checked once here, in a before_request hook that runs ahead of every view
(and of the 404 of an unknown path): what passes is safe for any parser behind it.
"""

from __future__ import annotations

import json

from flask import Flask, request
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    RequestEntityTooLarge,
    RequestURITooLarge,
    UnprocessableEntity,
)
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from backend.core.validation import INT_MAX, text_problem

# Path plus query string, in bytes. gunicorn refuses longer request lines itself (limit_request_line in
# gunicorn.conf.py, 8190) with an HTML 400; up to there the client gets our JSON 414.
MAX_URL_BYTES = 4096
# The largest JSON body: 50 times the largest seeded catalog item (~5 KB); photos are multipart, limited apart.
MAX_JSON_BYTES = 256 * 1024
# Our deepest schema nests three levels; 32 leaves room and stops recursion attacks long before the stack.
MAX_JSON_DEPTH = 32
# No 64-bit integer has more than 19 digits; longer literals are refused before a parser sees them.
MAX_INT_DIGITS = 20


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in a path: 1..2³¹-1, the range of our ids; anything else matches no route (404)."""

    regex = r"\d{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = INT_MAX,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextSegmentConverter(UnicodeConverter):
    """`<code>`/`<string:…>` in a path: a segment with control or only invisible characters matches no route (404).

    Such a segment is no code of ours, and PostgreSQL refuses a NUL in a query parameter with an error.
    """

    def to_python(self, value: str) -> str:
        if text_problem(value):
            raise ValidationError()
        return value


def init_app(app: Flask) -> None:
    """Installs the bounded path converters (before any route exists) and the request checks."""
    app.url_map.converters.update(int=BoundedIntConverter, string=TextSegmentConverter,
                                  default=TextSegmentConverter)
    app.before_request(check_request)


def check_request() -> None:
    """Refuses an over-long URL (414); an oversized (413), malformed or too deep (400) or unstorable (422) JSON body."""
    environ = request.environ
    if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URL_BYTES:
        raise _http(RequestURITooLarge, f"请求地址过长（最多 {MAX_URL_BYTES} 字节），请缩短查询内容")
    if request.is_json:
        check_json_body()


class _TooLong:
    """Stands for an integer literal with too many digits, so that the field holding it can be named."""


def _parse_int(digits: str) -> int | _TooLong:
    return _TooLong() if len(digits.lstrip("-")) > MAX_INT_DIGITS else int(digits)


def check_json_body() -> None:
    """Parses the JSON body once under our limits; raises a 4xx HTTPException when it breaks one."""
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise _too_large()
    request.max_content_length = MAX_JSON_BYTES  # also bounds a chunked body without Content-Length
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise _too_large() from None
    if not data.strip():
        return  # no body: the schema says which fields are missing
    try:
        body = json.loads(data, parse_int=_parse_int)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
        raise BadRequest() from None
    errors = _walk(body)
    if errors:
        raise _http(UnprocessableEntity, "提交的内容有误，请检查后重试", errors)


def _walk(body) -> dict:
    """Checks depth, integers and strings of a parsed body without recursion; returns {field path: [message]}."""
    errors: dict[str, list[str]] = {}
    stack = [(body, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        if isinstance(value, dict):
            for key, item in value.items():
                problem = text_problem(key)
                child = f"{path}.{key}" if path else key
                if problem:
                    errors[path or "_schema"] = [f"字段名{problem}"]
                    continue
                stack.append((item, child, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{index}" if path else str(index), depth + 1)
                         for index, item in enumerate(value))
        elif isinstance(value, _TooLong):
            errors[path or "_schema"] = ["数值过大"]
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem:
                errors[path or "_schema"] = [problem]
    return errors


def _http(exception_class, message: str, errors: dict | None = None) -> HTTPException:
    """An HTTPException carrying the Chinese message (and field errors) that errors.handle_http_exception shows."""
    exc = exception_class()
    exc.data = {"message": message, "errors": errors}
    return exc


def _too_large() -> HTTPException:
    return _http(RequestEntityTooLarge, f"请求内容过大（JSON 最多 {MAX_JSON_BYTES // 1024} KB）")


def _too_deep() -> HTTPException:
    return _http(BadRequest, f"JSON 嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）")
