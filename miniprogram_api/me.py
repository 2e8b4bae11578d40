"""GET/PATCH /api/mp/me: the signed-in resident's own profile."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from backend.core.security import current_principal, require_resident
from backend.residents import schemas, service

blp = Blueprint("mp_me", __name__, url_prefix="/api/mp", description="居民个人资料")


def _me():
    resident = service.get(resident_id=current_principal().id)
    if resident is None:  # deleted between the token check and now
        abort(401, message="请先登录（缺少或无效的访问令牌）")
    return resident


@blp.route("/me")
class Me(MethodView):
    @require_resident()
    @blp.response(200, schemas.ResidentPublicSchema)
    def get(self):
        """The signed-in resident's profile (phone masked)"""
        return _me()

    @require_resident()
    @blp.arguments(schemas.ProfileUpdateSchema)
    @blp.response(200, schemas.ResidentPublicSchema)
    def patch(self, changes):
        """Change nickname, phone, home street and community"""
        try:
            return service.update_profile(resident=_me(), changes=changes)
        except service.ProfileError as exc:
            abort(422, message="提交的内容有误，请检查后重试", errors={exc.field: [exc.message]})
