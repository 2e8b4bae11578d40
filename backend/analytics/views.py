"""GET /api/v1/analytics/petitions: the petition metrics for supervisors."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend.analytics import service
from backend.core.security import require_staff
from backend.core.validation import PeriodArgs
from backend.directory.schemas import DepartmentRefSchema

blp = Blueprint("analytics", __name__, url_prefix="/api/v1/analytics", description="统计分析")


class MetricsArgs(PeriodArgs):
    group_by = fields.String(load_default="department", validate=validate.OneOf(tuple(service.GROUPS)))


class MetricsSchema(Schema):
    key = fields.Nested(DepartmentRefSchema, allow_none=True, data_key="group")
    total = fields.Integer()
    response_rate = fields.Float(allow_none=True, metadata={"description": "响应率：按时签收 / 应签收"})
    resolution_rate = fields.Float(allow_none=True, metadata={"description": "解决率：评价已解决 / 评价数"})
    satisfaction_rate = fields.Float(allow_none=True, metadata={"description": "满意率：4–5 分 / 评价数"})
    on_time_closure_rate = fields.Float(allow_none=True, metadata={"description": "按时办结 / 已办结"})
    return_rate = fields.Float(allow_none=True, metadata={"description": "被退回过 / 已派单"})
    due_for_acceptance = fields.Integer()
    accepted_in_time = fields.Integer()
    rated = fields.Integer()
    resolved = fields.Integer()
    satisfied = fields.Integer()
    closed = fields.Integer()
    closed_in_time = fields.Integer()
    dispatched = fields.Integer()
    returned = fields.Integer()


class PetitionMetricsSchema(Schema):
    group_by = fields.String()
    date_from = fields.Date(data_key="from", allow_none=True)
    date_to = fields.Date(data_key="to", allow_none=True)
    items = fields.List(fields.Nested(MetricsSchema))
    overall = fields.Nested(MetricsSchema)


@blp.route("/petitions")
class PetitionMetrics(MethodView):
    @require_staff("supervisor")
    @blp.arguments(MetricsArgs, location="query")
    @blp.response(200, PetitionMetricsSchema)
    def get(self, args):
        """响应率, 解决率, 满意率, on-time closure and return rate per department or street"""
        items, overall = service.petition_metrics(**args)
        return {**args, "items": items, "overall": overall}
