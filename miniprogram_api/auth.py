"""POST /api/mp/auth/login: a wx.login() code in, a resident bearer token out."""

import logging

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from backend.core.security import issue_token
from backend.residents import schemas, service
from integrations.wechat import InvalidCode, RateLimited, WeChatError

log = logging.getLogger(__name__)

blp = Blueprint("mp_auth", __name__, url_prefix="/api/mp", description="小程序登录")


@blp.route("/auth/login")
class Login(MethodView):
    @blp.arguments(schemas.LoginRequestSchema)
    @blp.response(200, schemas.TokenSchema)
    @blp.alt_response(401, description="微信登录凭证无效或已使用")
    @blp.alt_response(429, description="登录过于频繁")
    @blp.alt_response(503, description="微信服务暂时不可用")
    def post(self, data):
        """Exchange a wx.login() code for a resident bearer token"""
        settings = current_app.config["SETTINGS"]
        try:
            resident = service.sign_in_with_code(
                code=data["code"], client_ip=request.remote_addr or "-", max_per_ip=settings.mp_login_max_per_ip
            )
        except service.LoginThrottled as exc:
            abort(429, message="登录过于频繁，请稍后再试", headers={"Retry-After": str(exc.retry_after)})
        except InvalidCode:
            abort(401, message="微信登录凭证无效，请重新进入小程序")
        except RateLimited:
            abort(429, message="微信登录过于频繁，请稍后再试", headers={"Retry-After": "60"})
        except WeChatError as exc:
            log.error("wechat login failed: %s", exc)
            abort(503, message="暂时无法连接微信服务，请稍后再试")
        token, ttl = issue_token("resident", resident.id)
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}
