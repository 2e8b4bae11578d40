"""Staff sign-in and directory reads under /api/v1."""

import math

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from backend.core.security import current_principal, issue_token, require_staff
from backend.directory import schemas, service

blp = Blueprint("staff_auth", __name__, url_prefix="/api/v1", description="工作人员登录与组织目录")


@blp.route("/auth/token")
class Token(MethodView):
    @blp.arguments(schemas.TokenRequestSchema)
    @blp.response(200, schemas.TokenSchema)
    @blp.alt_response(401, description="用户名或密码错误")
    @blp.alt_response(429, description="尝试次数过多")
    def post(self, data):
        """Exchange a staff username and password for a bearer token"""
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
        token, ttl = issue_token("staff", staff.id, staff.token_version)
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}


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
