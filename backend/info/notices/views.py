"""Staff API for notices under /api/v1/info/notices (editors draft; another editor or a supervisor approves)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.audit import service as audit
from backend.core.security import current_principal, require_staff
from backend.info.errors import InfoError, to_response
from backend.info.notices import schemas, service

blp = Blueprint("info_notices", __name__, url_prefix="/api/v1/info/notices", description="社区公告管理")
EDITORS = ("editor", "supervisor")
SECURITY = [{"bearerAuth": []}]


@blp.app_errorhandler(InfoError)
def _info_error(exc: InfoError):
    return to_response(exc)


def _notice_or_404(notice_id: int):
    notice = service.get(notice_id=notice_id)
    if notice is None:
        raise InfoError("not_found", "公告不存在")
    return notice


@blp.route("")
class Notices(MethodView):
    @require_staff(*EDITORS)
    @blp.arguments(schemas.NoticeStaffListArgs, location="query")
    @blp.response(200, schemas.NoticeStaffPageSchema)
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Notices in every state, newest first (status=expired: published but past their expiry)"""
        items, total = service.staff_list(status=args.get("status"), street_code=args.get("street"),
                                          page=args["page"], limit=args["limit"])
        return {"items": items, "total": total}

    @require_staff("editor")
    @blp.arguments(schemas.NoticeWriteSchema)
    @blp.response(201, schemas.NoticeStaffSchema)
    @blp.doc(security=SECURITY)
    def post(self, data):
        """Draft a notice (停水/停电/停气 need the affected area and the time window)"""
        return service.create(data=data, author=current_principal()), 201


@blp.route("/<int:notice_id>")
class NoticeItem(MethodView):
    @require_staff(*EDITORS)
    @blp.response(200, schemas.NoticeStaffSchema)
    @blp.doc(security=SECURITY)
    def get(self, notice_id):
        """One notice"""
        return _notice_or_404(notice_id)

    @require_staff("editor")
    @blp.arguments(schemas.NoticeUpdateSchema(partial=True))
    @blp.response(200, schemas.NoticeStaffSchema)
    @blp.doc(security=SECURITY)
    def patch(self, data, notice_id):
        """Change a draft"""
        return service.update(notice=_notice_or_404(notice_id), data=data, actor=current_principal())


@blp.route("/<int:notice_id>/transitions")
class NoticeTransitions(MethodView):
    @require_staff(*EDITORS)
    @blp.arguments(schemas.NoticeTransitionSchema)
    @blp.response(200, schemas.NoticeStaffSchema)
    @blp.doc(security=SECURITY)
    def post(self, data, notice_id):
        """Submit, approve (not by the author), reject or withdraw a notice"""
        return service.transition(notice_id=notice_id, action=data["action"], actor=current_principal(),
                                  reason=data.get("reason"))


@blp.route("/<int:notice_id>/audit")
class NoticeAudit(MethodView):
    @require_staff(*EDITORS)
    @blp.response(200, schemas.AuditTrailSchema)
    @blp.doc(security=SECURITY)
    def get(self, notice_id):
        """Who did what to the notice, oldest first"""
        _notice_or_404(notice_id)
        return {"items": audit.list_for(subject_type="notice", subject_id=notice_id)}
