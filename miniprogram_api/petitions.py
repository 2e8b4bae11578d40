"""Residents' petitions under /api/mp/petitions: file, list, detail, rate, reopen, withdraw, photos."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from backend.core.security import current_principal, require_resident
from backend.petitions import access, flows, intake, photos, public_schemas, queries, schemas, service
from backend.petitions.errors import PetitionError
from backend.petitions.views import send_photo

blp = Blueprint("mp_petitions", __name__, url_prefix="/api/mp/petitions", description="我的诉求")

CREATE_DOC = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": schemas.PetitionCreateSchema},
    "multipart/form-data": {"schema": {"allOf": [{"$ref": "#/components/schemas/PetitionCreate"}, {
        "type": "object", "properties": {"photos": {"type": "array", "items": {"type": "string", "format": "binary"}}},
    }]}},
}}}


# Built once: a schema instance deep-copies its fields, and loading keeps no state on the instance.
CREATE_SCHEMA = schemas.PetitionCreateSchema()


def _form_and_files() -> tuple[dict, list]:
    if request.mimetype == "multipart/form-data":
        return request.form.to_dict(), request.files.getlist("photos")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise PetitionError(400, "请求格式不正确，请提交 JSON 对象或表单")
    return body, []


def _own(petition_id: int):
    return access.access_petition(current_principal(), service.get(petition_id=petition_id))


@blp.route("")
class MyPetitions(MethodView):
    @require_resident()
    @blp.doc(**CREATE_DOC)
    @blp.response(201, schemas.PetitionCreatedSchema)
    @blp.alt_response(200, description="同一 Idempotency-Key 的重试：返回已提交的诉求")
    @blp.alt_response(413, description="照片过大")
    @blp.alt_response(422, description="内容有误或未通过内容安全检测")
    def post(self):
        """File a petition (JSON, or multipart with up to 9 photos); Idempotency-Key makes retries safe"""
        raw, files = _form_and_files()
        key = intake.check_idempotency_key(request.headers.get("Idempotency-Key"))
        try:
            data = CREATE_SCHEMA.load(raw)
        except ValidationError as exc:
            raise PetitionError(422, "提交的内容有误，请检查后重试", exc.messages) from exc
        uploads = photos.read_uploads(files, max_bytes=current_app.config["SETTINGS"].max_upload_bytes)
        # The principal carries the resident's id and openid: filing needs no more of the profile.
        petition, created = intake.submit(resident=current_principal(), data=data, uploads=uploads,
                                          idempotency_key=key)
        if created:
            flows.route_after_commit(petition.id)
        return petition, 201 if created else 200

    @require_resident()
    @blp.arguments(public_schemas.MyPetitionsArgs, location="query")
    @blp.response(200, public_schemas.PetitionPublicListSchema)
    def get(self, args):
        """My petitions, newest first"""
        items, total = queries.list_for_resident(resident_id=current_principal().id, status=args.get("status"),
                                                 page=args["page"], limit=args["limit"])
        return {"items": items, "total": total, "page": args["page"], "limit": args["limit"]}


@blp.route("/<int:petition_id>")
class MyPetition(MethodView):
    @require_resident()
    @blp.response(200, public_schemas.PetitionPublicSchema)
    def get(self, petition_id):
        """One of my petitions with its timeline, replies and rating"""
        return _own(petition_id)


def _act(petition_id: int, action: str, **data):
    petition = _own(petition_id)
    service.transition(petition=petition, action=action, actor=current_principal(), **data)
    return petition


@blp.route("/<int:petition_id>/rating")
class Rating(MethodView):
    @require_resident()
    @blp.arguments(public_schemas.PetitionRateSchema)
    @blp.response(200, public_schemas.PetitionPublicSchema)
    def post(self, data, petition_id):
        """Rate the answer 1–5 and say whether the problem is solved (closes the petition)"""
        return _act(petition_id, "rate", **data)


@blp.route("/<int:petition_id>/reopen")
class Reopen(MethodView):
    @require_resident()
    @blp.arguments(public_schemas.PetitionReopenSchema)
    @blp.response(200, public_schemas.PetitionPublicSchema)
    def post(self, data, petition_id):
        """Ask for the petition to be handled again (once)"""
        return _act(petition_id, "reopen", reason=data["reason"])


@blp.route("/<int:petition_id>/withdraw")
class Withdraw(MethodView):
    @require_resident()
    @blp.arguments(public_schemas.PetitionReasonSchema, required=False)  # the reason is optional: no body is fine
    @blp.response(200, public_schemas.PetitionPublicSchema)
    def post(self, data, petition_id):
        """Withdraw a petition that no department has accepted yet"""
        return _act(petition_id, "withdraw", reason=data.get("reason"))


@blp.route("/<int:petition_id>/photos/<int:photo_id>")
class Photo(MethodView):
    @require_resident()
    @blp.response(200, description="照片文件")
    def get(self, petition_id, photo_id):
        """A photo of one of my petitions"""
        return send_photo(_own(petition_id), photo_id)
