"""Staff sign-in (bearer tokens for scripts, the cookie session for the console) and directory reads."""

import math

from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from backend.core.security import (
    SESSION_COOKIE,
    SESSION_COOKIE_PATH,
    STAFF_SECURITY,
    current_principal,
    current_session,
    issue_token,
    require_staff,
)
from backend.directory import accounts, schemas, service, sessions

blp = Blueprint("staff_auth", __name__, url_prefix="/api/v1", description="工作人员登录与组织目录")


def _sign_in(data):
    """The one sign-in of both the token and the session endpoints (same per-account and per-address limits)."""
    settings = current_app.config["SETTINGS"]
    try:
        staff = service.sign_in(
            username=data["username"], password=data["password"], client_ip=request.remote_addr or "-",
            max_failures=settings.login_max_failures, window=settings.login_window_seconds,
        )
    except service.LoginThrottled as exc:
        minutes = math.ceil(exc.retry_after / 60)
        message = (f"登录失败次数过多，账号已锁定 {minutes} 分钟，请稍后再试" if exc.account
                   else f"登录失败次数过多，请 {minutes} 分钟后再试")
        abort(429, message=message, headers={"Retry-After": str(exc.retry_after)})
    if staff is None:
        abort(401, message="用户名或密码错误")
    return staff


def _session_body(session) -> dict:
    return {"authenticated": session is not None, "staff": session.staff if session else None,
            "csrf_token": session.csrf_token if session else None,
            "idle_timeout": current_app.config["SETTINGS"].staff_session_idle_seconds}


def _clear_cookie(response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=SESSION_COOKIE_PATH, httponly=True, samesite="Strict",
                           secure=current_app.config["SETTINGS"].session_cookie_secure)


@blp.route("/auth/token")
class Token(MethodView):
    @blp.arguments(schemas.TokenRequestSchema)
    @blp.response(200, schemas.TokenSchema)
    @blp.alt_response(401, description="用户名或密码错误")
    @blp.alt_response(429, description="尝试次数过多")
    def post(self, data):
        """Exchange a staff username and password for a bearer token"""
        staff = _sign_in(data)
        token, ttl = issue_token("staff", staff.id, staff.token_version)
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}


@blp.route("/auth/session")
class Session(MethodView):
    @blp.arguments(schemas.TokenRequestSchema)
    @blp.response(200, schemas.SessionSchema)
    @blp.alt_response(401, description="用户名或密码错误")
    @blp.alt_response(429, description="尝试次数过多")
    def post(self, data):
        """Sign in to the console: sets the httpOnly session cookie and returns the CSRF token"""
        staff = _sign_in(data)
        settings = current_app.config["SETTINGS"]
        token, session = sessions.open_session(staff=staff, max_seconds=settings.staff_token_ttl)
        response = jsonify(schemas.SessionSchema().dump(_session_body(session)))
        response.set_cookie(SESSION_COOKIE, token, path=SESSION_COOKIE_PATH, httponly=True, samesite="Strict",
                            secure=settings.session_cookie_secure)
        response.headers["Cache-Control"] = "no-store"
        return response

    @blp.response(200, schemas.SessionSchema)
    @blp.doc(security=[{"cookieSession": []}, {}])
    def get(self):
        """The console's current session: who is signed in and the CSRF token (authenticated false when none)"""
        response = jsonify(schemas.SessionSchema().dump(_session_body(current_session())))
        response.headers["Cache-Control"] = "no-store"
        return response

    @blp.response(204)
    @blp.doc(security=[{"cookieSession": []}, {}])
    def delete(self):
        """Sign out of the console: ends the session and clears its cookie"""
        session = current_session()
        if session is not None:
            sessions.close(session_id=session.id)
        response = Response(status=204)
        _clear_cookie(response)
        return response


@blp.route("/auth/password")
class Password(MethodView):
    @require_staff()
    @blp.doc(security=STAFF_SECURITY)
    @blp.arguments(schemas.PasswordChangeSchema)
    @blp.response(204)
    @blp.alt_response(422, description="原密码不正确或新密码不合要求")
    def post(self, data):
        """Change one's own password (the old one is required); every session and token must sign in again"""
        accounts.change_own_password(actor=current_principal(), old_password=data["old_password"],
                                     new_password=data["new_password"])
        response = Response(status=204)
        _clear_cookie(response)
        return response


@blp.route("/auth/me")
class Me(MethodView):
    @require_staff()
    @blp.response(200, schemas.StaffSchema)
    def get(self):
        """The signed-in staff member"""
        return service.get_staff(staff_id=current_principal().id)


@blp.route("/departments")
class Departments(MethodView):
    @require_staff()
    @blp.response(200, schemas.DepartmentListSchema)
    def get(self):
        """All departments with their responsibilities"""
        return {"items": service.list_departments()}


@blp.route("/streets")
class Streets(MethodView):
    @require_staff()
    @blp.doc(security=STAFF_SECURITY)
    @blp.response(200, schemas.StreetListSchema)
    def get(self):
        """Streets of the county with their communities (for the console's filters)"""
        return {"items": service.list_streets()}
