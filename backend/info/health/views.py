"""Staff API for health facilities under /api/v1/info/facilities (editors; changes audited)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.security import current_principal, require_staff
from backend.info.errors import InfoError
from backend.info.health import schemas, service

blp = Blueprint("info_facilities", __name__, url_prefix="/api/v1/info/facilities", description="医疗机构信息管理")
SECURITY = [{"bearerAuth": []}]


def _facility_or_404(code: str):
    facility = service.get_by_code(code=code)
    if facility is None:
        raise InfoError("not_found", "找不到该医疗机构")
    return facility


@blp.route("")
class Facilities(MethodView):
    @require_staff("editor", "supervisor")
    @blp.response(200, schemas.FacilityStaffListSchema)
    @blp.doc(security=SECURITY)
    def get(self):
        """Every facility, inactive ones included"""
        return {"items": service.all_facilities(active_only=False)}

    @require_staff("editor")
    @blp.arguments(schemas.FacilityWriteSchema)
    @blp.response(201, schemas.FacilityStaffSchema)
    @blp.doc(security=SECURITY)
    def post(self, data):
        """Add a hospital or community health centre"""
        return service.create(data=data, actor=current_principal()), 201


@blp.route("/<string:code>")
class FacilityItem(MethodView):
    @require_staff("editor", "supervisor")
    @blp.response(200, schemas.FacilityStaffSchema)
    @blp.doc(security=SECURITY)
    def get(self, code):
        """One facility"""
        return _facility_or_404(code)

    @require_staff("editor")
    @blp.arguments(schemas.FacilityUpdateSchema(partial=True))
    @blp.response(200, schemas.FacilityStaffSchema)
    @blp.doc(security=SECURITY)
    def patch(self, data, code):
        """Change departments, hours, weekend clinics, address, phone…"""
        return service.update(facility=_facility_or_404(code), data=data, actor=current_principal())
