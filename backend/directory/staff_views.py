"""Staff account administration under /api/v1/staff (administrators only; every change audited)."""

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.audit import service as audit
from backend.audit.schemas import AuditEventListSchema
from backend.core.errors import Refused
from backend.core.security import STAFF_SECURITY, current_principal, require_staff
from backend.directory import accounts, schemas, service

blp = Blueprint("staff_admin", __name__, url_prefix="/api/v1/staff", description="工作人员账号管理")


def _load(staff_id: int):
    staff = service.get_staff(staff_id=staff_id)
    if staff is None:
        raise Refused(404, "账号不存在")
    return staff


@blp.route("")
class StaffAccounts(MethodView):
    @require_staff("admin")
    @blp.doc(security=STAFF_SECURITY)
    @blp.arguments(schemas.StaffListArgs, location="query")
    @blp.response(200, schemas.StaffListSchema)
    def get(self, args):
        """Staff accounts, filtered by name, role or department"""
        items, total = accounts.list_staff(q=args.get("q"), role=args.get("role"),
                                           department=args.get("department"), page=args["page"], limit=args["limit"])
        return {"items": items, "total": total, "page": args["page"], "limit": args["limit"]}

    @require_staff("admin")
    @blp.doc(security=STAFF_SECURITY)
    @blp.arguments(schemas.StaffCreateSchema)
    @blp.response(201, schemas.StaffAdminSchema)
    @blp.alt_response(422, description="用户名已存在、部门不存在或密码不合要求")
    def post(self, data):
        """Create a staff account"""
        return accounts.create(actor=current_principal(), **data)


@blp.route("/<int:staff_id>")
class StaffAccount(MethodView):
    @require_staff("admin")
    @blp.doc(security=STAFF_SECURITY)
    @blp.arguments(schemas.StaffUpdateSchema)
    @blp.response(200, schemas.StaffAdminSchema)
    @blp.alt_response(404, description="账号不存在")
    @blp.alt_response(409, description="不能停用自己或修改自己的角色")
    def patch(self, data, staff_id):
        """Change a staff account's name, role, department or active flag (deactivation signs it out)"""
        return accounts.update(actor=current_principal(), staff=_load(staff_id), changes=data)


@blp.route("/<int:staff_id>/password")
class StaffPassword(MethodView):
    @require_staff("admin")
    @blp.doc(security=STAFF_SECURITY)
    @blp.arguments(schemas.PasswordResetSchema)
    @blp.response(204)
    @blp.alt_response(404, description="账号不存在")
    def post(self, data, staff_id):
        """Reset a staff member's password (their tokens and sessions end)"""
        accounts.reset_password(actor=current_principal(), staff=_load(staff_id), password=data["password"])
        return Response(status=204)


@blp.route("/<int:staff_id>/audit")
class StaffAudit(MethodView):
    @require_staff("admin")
    @blp.doc(security=STAFF_SECURITY)
    @blp.response(200, AuditEventListSchema)
    @blp.alt_response(404, description="账号不存在")
    def get(self, staff_id):
        """The audit trail of a staff account (created, changed, passwords reset)"""
        return {"items": audit.list_for(subject_type="staff", subject_id=_load(staff_id).id)}
