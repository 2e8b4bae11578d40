"""Open311 GeoReport v2 under /open311 (JSON and XML, errors as the spec's list), and the staff API that issues
partners' keys under /api/v1/open311/partners."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from backend.core.security import current_principal, require_staff
from backend.open311 import formats, schemas, service
from backend.open311.service import Open311Error

blp = Blueprint("open311", __name__, url_prefix="/open311", description="Open311 GeoReport v2 接口（合作平台）")
staff_blp = Blueprint("open311_partners", __name__, url_prefix="/api/v1/open311/partners",
                      description="Open311 合作方与 api_key 管理")
FORMAT = "<any(json, xml):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-25T00:00:00+08:00"
ERRORS = {"description": "规范的错误列表 [{code, description}]（XML 为 <errors>）",
          "schema": schemas.Open311ErrorSchema(many=True)}


def _render(fmt: str, root: str, data, status: int = 200):
    return formats.xml_response(root, data, status) if fmt == "xml" else (data, status)


def _error(status: int, description: str):
    # The spec answers 400 to any bad request; our 422 (a field's value refused) is one.
    status = 400 if status == 422 else status
    body = [{"code": status, "description": description}]
    if request.view_args and request.view_args.get("fmt") == "xml" or request.path.endswith(".xml"):
        return formats.xml_response("errors", body, status)
    response = jsonify(body)
    response.status_code = status
    return response


@blp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    return _error(exc.status, exc.description)


@blp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    description = data.get("message") if isinstance(data, dict) else None
    messages = data.get("messages") if isinstance(data, dict) else None
    errors = data.get("errors") if isinstance(data, dict) else None
    details = _flatten(messages or errors)
    if details:
        description = "；".join(details)
    return _error(exc.code or 500, description or exc.description or "请求失败")


def _flatten(messages) -> list[str]:
    if not isinstance(messages, dict):
        return []
    found = []
    for key, value in messages.items():
        if isinstance(value, dict):
            found += _flatten(value)
        elif isinstance(value, list):
            found.append(f"{key}：{'，'.join(str(item) for item in value)}")
    return found


@blp.route("/discovery.<any(json, xml):fmt>")
class Discovery(MethodView):
    @blp.response(200, schemas.Open311DiscoverySchema)
    def get(self, fmt):
        """Service discovery: where the GeoReport v2 endpoint is and how to get an api_key"""
        endpoint = url_for("open311.Services", fmt="json", _external=True).rsplit("/services.json", 1)[0]
        return _render(fmt, "discovery", {
            "changeset": CHANGESET,
            "contact": "南京市江宁区融媒体中心 指尖政务服务中心",
            "key_service": "api_key 由区融媒体中心的系统管理员为合作平台签发",
            "endpoints": [{"specification": SPECIFICATION, "url": endpoint, "changeset": CHANGESET,
                           "type": "production", "formats": ["application/json", "text/xml"]}],
        })


@blp.route(f"/v2/services.{FORMAT}")
class Services(MethodView):
    @blp.response(200, schemas.Open311ServiceSchema(many=True))
    def get(self, fmt):
        """Service list: our petition categories, grouped by the department handling each"""
        return _render(fmt, "services", [service.service_dict(rule) for rule in service.list_services()])


@blp.route(f"/v2/services/<string(maxlength=64):service_code>.{FORMAT}")
class ServiceDefinition(MethodView):
    @blp.response(200, schemas.Open311ServiceDefinitionSchema)
    @blp.alt_response(404, **ERRORS)
    def get(self, service_code, fmt):
        """Service definition: the attributes a request may carry (street, type, urgency)"""
        return _render(fmt, "service_definition", service.definition_dict(service.get_service(code=service_code)))


@blp.route(f"/v2/requests.{FORMAT}")
class Requests(MethodView):
    @blp.arguments(schemas.Open311RequestsQuerySchema, location="query")
    @blp.response(200, schemas.Open311ServiceRequestSchema(many=True))
    @blp.alt_response(400, **ERRORS)
    def get(self, args, fmt):
        """Service requests filed through Open311 (by ids, or the last 90 days), newest first, at most 200"""
        if args.get("start_date") and args.get("end_date") and args["start_date"] > args["end_date"]:
            raise Open311Error(400, "start_date 不能晚于 end_date")
        rules = service.rules_by_code()
        items = [service.request_dict(item, rules) for item in service.list_requests(args=args)]
        return _render(fmt, "service_requests", items)

    @blp.arguments(schemas.Open311RequestFormSchema, location="form")
    @blp.response(201, schemas.Open311CreatedSchema(many=True))
    @blp.alt_response(200, description="同一合作方同一 partner_request_id 的重试：返回第一次创建的诉求")
    @blp.alt_response(400, **ERRORS)
    @blp.alt_response(403, **ERRORS)
    @blp.alt_response(429, **ERRORS)
    def post(self, data, fmt):
        """File a service request (form-encoded, api_key required) as a petition in the same workflow"""
        partner = service.authenticate(api_key=data.pop("api_key"), client_ip=request.remote_addr or "-")
        found, created = service.submit(partner=partner, data=data)
        body = [{"service_request_id": found.petition.number, "token": found.token,
                 "service_notice": "已受理，将按诉求办理时限答复", "account_id": None}]
        return _render(fmt, "service_requests", body, 201 if created else 200)


@blp.route(f"/v2/requests/<string(maxlength=64):service_request_id>.{FORMAT}")
class ServiceRequest(MethodView):
    @blp.response(200, schemas.Open311ServiceRequestSchema(many=True))
    @blp.alt_response(404, **ERRORS)
    def get(self, service_request_id, fmt):
        """One service request (a list of one, as the spec has it)"""
        found = service.get_request(service_request_id=service_request_id)
        return _render(fmt, "service_requests", [service.request_dict(found)])


@blp.route(f"/v2/tokens/<string(maxlength=64):token>.{FORMAT}")
class Token(MethodView):
    @blp.response(200, schemas.Open311TokenSchema(many=True))
    @blp.alt_response(404, **ERRORS)
    def get(self, token, fmt):
        """The service_request_id behind a token"""
        found = service.get_by_token(token=token)
        return _render(fmt, "service_requests", [{"service_request_id": found.petition.number, "token": found.token}])


@staff_blp.route("")
class Partners(MethodView):
    @require_staff("admin")
    @staff_blp.response(200, schemas.PartnerListSchema)
    def get(self):
        """Open311 partners"""
        return {"items": service.list_partners()}

    @require_staff("admin")
    @staff_blp.arguments(schemas.PartnerCreateSchema)
    @staff_blp.response(201, schemas.PartnerWithKeySchema)
    @staff_blp.alt_response(409, description="同名合作方已存在")
    def post(self, data):
        """Register a partner; the answer carries its api_key, shown this once"""
        partner, api_key = _staff_call(service.create_partner, name=data["name"].strip(),
                                       requests_per_minute=data["requests_per_minute"],
                                       staff_id=current_principal().id)
        return _with_key(partner, api_key), 201


@staff_blp.route("/<int:partner_id>")
class PartnerItem(MethodView):
    @require_staff("admin")
    @staff_blp.arguments(schemas.PartnerUpdateSchema)
    @staff_blp.response(200, schemas.PartnerSchema)
    def patch(self, data, partner_id):
        """Switch a partner's api_key off (or on again)"""
        return service.set_active(partner=_partner(partner_id), active=data["is_active"])


@staff_blp.route("/<int:partner_id>/key")
class PartnerKey(MethodView):
    @require_staff("admin")
    @staff_blp.response(200, schemas.PartnerWithKeySchema)
    def post(self, partner_id):
        """Issue a new api_key (the old one stops working at once)"""
        partner = _partner(partner_id)
        return _with_key(partner, service.rotate_key(partner=partner))


def _partner(partner_id: int):
    from flask_smorest import abort

    partner = service.get_partner(partner_id=partner_id)
    if partner is None:
        abort(404, message="合作方不存在")
    return partner


def _staff_call(func, **kwargs):
    from flask_smorest import abort

    try:
        return func(**kwargs)
    except Open311Error as exc:
        abort(exc.status, message=exc.description)


def _with_key(partner, api_key: str) -> dict:
    fields = ("id", "name", "key_prefix", "is_active", "requests_per_minute", "created_at")
    return {**{name: getattr(partner, name) for name in fields}, "api_key": api_key}
