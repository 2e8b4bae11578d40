"""Staff API for emergency alerts under /api/v1/alerts (supervisors; admin passes)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.alerts import schemas, service
from backend.core.security import current_principal, require_staff

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts", description="应急发布（督办员）")

SUPERVISOR = "supervisor"


@blp.route("")
class Alerts(MethodView):
    @require_staff(SUPERVISOR)
    @blp.arguments(schemas.AlertListArgs, location="query")
    @blp.response(200, schemas.AlertStaffListSchema)
    def get(self, args):
        """Alerts, newest first (filter: status)"""
        items, total = service.list_alerts(status=args["status"], page=args["page"], limit=args["limit"])
        return {"items": items, "total": total}

    @require_staff(SUPERVISOR)
    @blp.arguments(schemas.AlertIssueSchema)
    @blp.response(201, schemas.AlertStaffSchema)
    def post(self, data):
        """Issue an alert to the residents of the chosen streets (sent before any routine message)"""
        return service.issue(actor=current_principal(), data=data)


@blp.route("/<int:alert_id>")
class AlertDetail(MethodView):
    @require_staff(SUPERVISOR)
    @blp.response(200, schemas.AlertStaffSchema)
    def get(self, alert_id):
        """One alert with its audit trail"""
        return service.get_or_404(alert_id=alert_id)

    @require_staff(SUPERVISOR)
    @blp.arguments(schemas.AlertUpdateSchema)
    @blp.response(200, schemas.AlertStaffSchema)
    @blp.alt_response(409, description="预警已撤回")
    def patch(self, changes, alert_id):
        """Change an alert; an active one is sent again as a new version"""
        return service.update(alert_id=alert_id, actor=current_principal(), changes=changes)


@blp.route("/<int:alert_id>/confirm")
class Confirm(MethodView):
    @require_staff(SUPERVISOR)
    @blp.response(200, schemas.AlertStaffSchema)
    @blp.alt_response(409, description="不是待确认状态")
    def post(self, alert_id):
        """Confirm an alert proposed from a weather warning: it is sent"""
        return service.confirm(alert_id=alert_id, actor=current_principal())


@blp.route("/<int:alert_id>/withdraw")
class Withdraw(MethodView):
    @require_staff(SUPERVISOR)
    @blp.arguments(schemas.AlertWithdrawSchema)
    @blp.response(200, schemas.AlertStaffSchema)
    @blp.alt_response(409, description="预警已撤回")
    def post(self, data, alert_id):
        """Withdraw an alert: unsent messages are cancelled and it leaves the home feed"""
        return service.withdraw(alert_id=alert_id, actor=current_principal(), reason=data["reason"])
