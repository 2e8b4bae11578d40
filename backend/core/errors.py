"""One JSON error shape for every failure: {"code", "status", "message", "errors"}, in Chinese."""

from __future__ import annotations

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "没有权限执行此操作",
    404: "找不到请求的内容",
    405: "不支持该请求方法",
    409: "请求与当前状态冲突",
    413: "上传内容过大",
    414: "请求地址过长",
    415: "不支持的内容类型",
    422: "提交的内容有误，请检查后重试",
    429: "操作过于频繁，请稍后再试",
    500: "服务器开小差了，请稍后再试",
    503: "服务暂时不可用，请稍后再试",
}


class DomainError(Exception):
    """A refusal raised by a domain's service: its HTTP status, a Chinese message and the field at fault, if any.

    Domains subclass it (ActivityNotFound, AlertConflict…); the one handler below answers it for every view."""

    status = 409

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def handle_domain_error(exc: DomainError):
    """Answers a domain's refusal with the shared error body."""
    response = jsonify(error_body(exc.status, exc.message, {exc.field: [exc.message]} if exc.field else None))
    response.status_code = exc.status
    return response


def error_body(status: int, message: str | None = None, errors: dict | None = None) -> dict:
    """Builds the error body that every endpoint returns."""
    body = {
        "code": status,
        "status": _status_name(status),
        "message": message or MESSAGES.get(status, "请求失败"),
    }
    if errors:
        body["errors"] = errors
    return body


def _status_name(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _validation_errors(data: dict) -> dict | None:
    messages = data.get("messages")
    if not isinstance(messages, dict):
        return None
    flat: dict = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            flat.update(location_errors)
    return flat or messages


def handle_http_exception(exc: HTTPException):
    """Turns any HTTPException (ours, webargs' or Werkzeug's) into the JSON error body."""
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    message = data.get("message") if isinstance(data, dict) else None
    errors = data.get("errors") if isinstance(data, dict) else None
    if status == 422 and not errors and isinstance(data, dict):
        errors = _validation_errors(data)
    if status == 400 and not message:
        message = "请求格式不正确（请检查 JSON 与编码）"
    response = jsonify(error_body(status, message, errors))
    response.status_code = status
    for header, value in (exc.get_headers() if status in (401, 405, 429) else []):
        if header.lower() in {"allow", "retry-after", "www-authenticate"}:
            response.headers[header] = value
    if isinstance(data, dict) and data.get("headers"):
        response.headers.update(data["headers"])
    return response


DATABASE_UNAVAILABLE = "系统正在恢复，请稍后重试"
RETRY_AFTER_SECONDS = 5


def handle_database_unavailable(exc: Exception):
    """503 with Retry-After when the database cannot be reached (down, restarting, pool exhausted); None for any
    other database error."""
    from backend.core.database import unavailable

    if not unavailable(exc):
        return None
    log.warning("database unavailable: %s", exc.__class__.__name__)
    response = jsonify(error_body(503, DATABASE_UNAVAILABLE))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_unexpected(exc: Exception):
    """Logs an unexpected error and answers 500 without leaking internals."""
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    unavailable = handle_database_unavailable(exc)
    if unavailable is not None:
        return unavailable
    log.exception("unhandled error")
    return handle_http_exception(InternalServerError())


def register(app) -> None:
    """Installs the handlers (after flask-smorest, so ours win)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)


class Refused(HTTPException):
    """A service's refusal with a Chinese message (and per-field errors for 422); every domain raises it or a
    subclass, and handle_http_exception renders it."""

    def __init__(self, status: int, message: str, errors: dict | None = None):
        super().__init__(description=message)
        self.code = status
        self.data = {"message": message, "errors": errors} if errors else {"message": message}


def invalid_field(field: str, message: str) -> Refused:
    """A 422 naming the field at fault."""
    return Refused(422, message, {field: [message]})
