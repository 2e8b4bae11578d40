"""Bearer tokens, the console's session cookie, and the decorators that say who may call an endpoint."""

from __future__ import annotations

import copy
import functools
import hmac
from dataclasses import dataclass

from flask import current_app, request
from flask_smorest import abort
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

STAFF_ROLES = ("clerk", "dispatcher", "supervisor", "trainer", "editor", "organiser", "admin")
# The console's session cookie (httpOnly) and the header that must repeat the session's CSRF token.
SESSION_COOKIE = "zj_session"
SESSION_COOKIE_PATH = "/api/v1"
CSRF_HEADER = "X-CSRF-Token"
# Requests the console makes on its own (queue counts every few seconds) carry this header and do not count
# as activity, so an unattended console still times out.
BACKGROUND_HEADER = "X-Background"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# OpenAPI: staff endpoints take a bearer token or the console's session cookie (with X-CSRF-Token).
STAFF_SECURITY = [{"bearerAuth": []}, {"cookieSession": []}]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a staff member, a resident or the bot service."""

    kind: str  # "staff" | "resident" | "service"
    id: int | None = None
    role: str | None = None
    department_id: int | None = None
    username: str | None = None
    openid: str | None = None  # residents: what WeChat calls them (content checks, messages)
    session_id: int | None = None  # staff signed in through the console's cookie session

    def has_role(self, *roles: str) -> bool:
        return self.kind == "staff" and (self.role in roles or self.role == "admin")


# A token starts with its kind, so reading one tries the right key only (a wrong guess costs an HMAC).
KIND_PREFIXES = {"staff": "s.", "resident": "r."}


@functools.lru_cache(maxsize=32)
def _serializer_for(secret_key: str, kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"zj-{kind}-token")


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SETTINGS"].secret_key, kind)


def issue_token(kind: str, subject: int, version: int = 0) -> tuple[str, int]:
    """Signs a token for a staff member or a resident; returns (token, seconds until expiry)."""
    settings = current_app.config["SETTINGS"]
    ttl = settings.staff_token_ttl if kind == "staff" else settings.resident_token_ttl
    return KIND_PREFIXES[kind] + _serializer(kind).dumps({"sub": subject, "v": version}), ttl


def read_token(kind: str, token: str) -> dict | None:
    """Returns the token's payload, or None when it is forged, expired or of another kind."""
    prefix = KIND_PREFIXES[kind]
    if not token.startswith(prefix):
        return None
    settings = current_app.config["SETTINGS"]
    ttl = settings.staff_token_ttl if kind == "staff" else settings.resident_token_ttl
    try:
        payload = _serializer(kind).loads(token[len(prefix):], max_age=ttl)
    except (SignatureExpired, BadSignature):
        return None
    return payload if isinstance(payload, dict) and isinstance(payload.get("sub"), int) else None


def bearer_token() -> str | None:
    """The token of the Authorization header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _load_staff(token: str) -> Principal | None:
    from backend.directory import service as directory

    payload = read_token("staff", token)
    if not payload:
        return None
    staff = directory.get_staff(staff_id=payload["sub"])
    if staff is None or not staff.is_active or staff.token_version != payload.get("v", 0):
        return None
    return Principal("staff", staff.id, staff.role, staff.department_id, staff.username)


def _load_resident(token: str) -> Principal | None:
    payload = read_token("resident", token)
    if not payload:
        return None
    loader = current_app.config.get("RESIDENT_LOADER")
    openid = None
    if loader is not None:
        # The loader answers the resident's openid, or None once the resident no longer exists.
        openid = loader(payload["sub"])
        if openid is None:
            return None
    return Principal("resident", payload["sub"], openid=openid)


def _is_service(token: str) -> bool:
    expected = current_app.config["SETTINGS"].bot_service_token
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


def _load_session(token: str) -> Principal | None:
    from backend.directory import sessions

    settings = current_app.config["SETTINGS"]
    session = sessions.resume(token=token, idle_seconds=settings.staff_session_idle_seconds,
                              max_seconds=settings.staff_token_ttl,
                              active=request.headers.get(BACKGROUND_HEADER) != "1")
    if session is None:
        return None
    if request.method not in SAFE_METHODS:
        # A cookie rides along on any request the browser makes; only our own pages can read the token.
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            abort(403, message="安全校验失败（缺少或无效的 CSRF 令牌），请刷新页面后重试")
    request.environ["zj.session"] = session
    staff = session.staff
    return Principal("staff", staff.id, staff.role, staff.department_id, staff.username, session_id=session.id)


def current_session():
    """The console session of this request (after current_principal), or None for bearer callers."""
    current_principal()
    return request.environ.get("zj.session")


def current_principal() -> Principal | None:
    """Resolves (once per request) who is calling: the bearer token, else the console's session cookie."""
    if "zj.principal" in request.environ:
        return request.environ["zj.principal"]
    token = bearer_token()
    principal = None
    if token:
        if _is_service(token):
            principal = Principal("service", role="bot")
        else:
            principal = _load_staff(token) or _load_resident(token)
    elif request.cookies.get(SESSION_COOKIE):
        principal = _load_session(request.cookies[SESSION_COOKIE])
    request.environ["zj.principal"] = principal
    return principal


def _require(check, forbidden_message: str):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                abort(401, message="请先登录（缺少或无效的访问令牌）", headers={"WWW-Authenticate": "Bearer"})
            if not check(principal):
                abort(403, message=forbidden_message)
            return view(*args, **kwargs)

        _document_bearer_auth(wrapper)
        return wrapper

    return decorator


def _document_bearer_auth(view) -> None:
    """Says in the OpenAPI document what the decorator enforces: a bearer token, else 401; the wrong caller, 403."""
    # flask-smorest reads each view's `_apidoc`; copied first so the wrapped function's own doc stays as it was.
    doc = copy.deepcopy(getattr(view, "_apidoc", {}))
    doc.setdefault("manual_doc", {}).setdefault("security", [{"bearerAuth": []}])
    responses = doc.setdefault("response", {}).setdefault("responses", {})
    for status, name in ((401, "UNAUTHORIZED"), (403, "FORBIDDEN")):
        responses.setdefault(status, [name])
    view._apidoc = doc


def require_staff(*roles: str):
    """Allows staff with one of the roles (admin always); no roles means any staff member."""
    return _require(
        lambda p: p.kind == "staff" and (not roles or p.has_role(*roles)),
        "您的账号没有权限执行此操作",
    )


def require_resident():
    """Allows a signed-in resident."""
    return _require(lambda p: p.kind == "resident", "请使用微信小程序登录后操作")


def require_service():
    """Allows the bot's action server (service token)."""
    return _require(lambda p: p.kind == "service", "仅限系统服务调用")


def require_any(*checks: str, roles: tuple[str, ...] = ()):
    """Allows any of the named kinds ("staff", "resident", "service"); staff limited to roles."""

    def check(p: Principal) -> bool:
        if p.kind == "staff":
            return "staff" in checks and (not roles or p.has_role(*roles))
        return p.kind in checks

    return _require(check, "没有权限执行此操作")
