"""Emergency alerts in force, for residents, under /api/mp/alerts."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.alerts import schemas, service
from backend.alerts.errors import AlertInvalid
from backend.directory.service import get_street_by_code

blp = Blueprint("mp_alerts", __name__, url_prefix="/api/mp/alerts", description="应急预警")


@blp.route("")
class Alerts(MethodView):
    @blp.arguments(schemas.AlertPublicArgs, location="query")
    @blp.response(200, schemas.AlertPublicListSchema)
    @blp.doc(security=[])
    def get(self, args):
        """Alerts in force now, most severe first (of one street when given)"""
        street_id = None
        if args["street"]:
            street = get_street_by_code(code=args["street"])
            if street is None:
                raise AlertInvalid("街道不存在", "street")
            street_id = street.id
        items = service.active_for_street(street_id=street_id)
        return {"items": items, "total": len(items)}
