"""Staff API for petitions under /api/v1/petitions: list, detail, transitions, notes, replies, attachments."""

from __future__ import annotations

import io

from flask import send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.security import STAFF_SECURITY, current_principal, require_staff
from backend.petitions import access, clocks, queries, schemas, service, states, timeline
from backend.petitions.errors import PetitionError
from backend.storage.service import get_storage

blp = Blueprint("petitions_staff", __name__, url_prefix="/api/v1/petitions", description="诉求办理（工作人员）")
STAFF = ("clerk", "dispatcher", "supervisor")


def _load(petition_id: int):
    return access.access_petition(current_principal(), service.get(petition_id=petition_id))


def _detail(petition):
    principal = current_principal()
    petition.resident_info = access.resident_contact(principal, petition)
    petition.allowed_actions = states.allowed_actions(principal, petition)
    petition.clocks = clocks.clocks(petition)
    petition.timeline = timeline.staff_timeline(petition)
    return petition


@blp.route("")
class Petitions(MethodView):
    @require_staff(*STAFF)
    @blp.arguments(schemas.PetitionStaffListArgs, location="query")
    @blp.response(200, schemas.PetitionStaffListSchema)
    def get(self, args):
        """Petitions the signed-in staff member may see, filtered"""
        page, limit = args.pop("page"), args.pop("limit")
        items, total = queries.list_for_staff(principal=current_principal(), filters=args, page=page, limit=limit)
        return {"items": items, "total": total, "page": page, "limit": limit}


@blp.route("/queues")
class Queues(MethodView):
    @require_staff(*STAFF)
    @blp.doc(security=STAFF_SECURITY)
    @blp.response(200, schemas.QueueCountListSchema)
    def get(self):
        """The work queues (待签收, 办理中, 即将超时 …) with how many petitions each holds for this staff member"""
        return {"items": queries.queue_counts(principal=current_principal())}


@blp.route("/bulk-accept")
class BulkAccept(MethodView):
    @require_staff("clerk")
    @blp.doc(security=STAFF_SECURITY)
    @blp.arguments(schemas.BulkAcceptSchema)
    @blp.response(200, schemas.BulkResultListSchema)
    def post(self, data):
        """签收 several petitions at once; each succeeds or fails on its own"""
        return {"items": service.accept_many(actor=current_principal(), petition_ids=data["ids"])}


@blp.route("/<int:petition_id>")
class PetitionDetail(MethodView):
    @require_staff(*STAFF)
    @blp.response(200, schemas.PetitionStaffSchema)
    def get(self, petition_id):
        """One petition with its audit trail, replies, internal notes and rating"""
        return _detail(_load(petition_id))


@blp.route("/<int:petition_id>/transitions")
class Transitions(MethodView):
    @require_staff(*STAFF)
    @blp.arguments(schemas.PetitionTransitionRequestSchema)
    @blp.response(200, schemas.PetitionStaffSchema)
    @blp.alt_response(403, description="该角色不能执行此操作")
    @blp.alt_response(409, description="当前状态不能执行此操作")
    def post(self, data, petition_id):
        """Take a workflow action: dispatch, transfer, accept, return, extension, reply, merge"""
        petition = _load(petition_id)
        service.transition(petition=petition, actor=current_principal(), **data)
        return _detail(petition)


@blp.route("/<int:petition_id>/replies")
class Replies(MethodView):
    @require_staff("clerk")
    @blp.arguments(schemas.PetitionReplyCreateSchema)
    @blp.response(201, schemas.PetitionStaffSchema)
    def post(self, data, petition_id):
        """Answer the resident (答复); the same as the reply transition"""
        petition = _load(petition_id)
        service.transition(petition=petition, action="reply", actor=current_principal(), content=data["content"])
        return _detail(petition)


@blp.route("/<int:petition_id>/notes")
class Notes(MethodView):
    @require_staff(*STAFF)
    @blp.arguments(schemas.PetitionNoteCreateSchema)
    @blp.response(201, schemas.PetitionNoteSchema)
    def post(self, data, petition_id):
        """Add an internal note (never shown to the resident)"""
        petition = _load(petition_id)
        return service.add_note(petition=petition, staff_id=current_principal().id, body=data["body"])


@blp.route("/<int:petition_id>/contact")
class Contact(MethodView):
    @require_staff("clerk")
    @blp.doc(security=STAFF_SECURITY)
    @blp.response(200, schemas.PetitionResidentSchema)
    @blp.alt_response(403, description="非承办办理员或居民未同意联系")
    def post(self, petition_id):
        """Show the resident's full phone number (handling clerk, with consent); the viewing is audited"""
        return access.reveal_contact(current_principal(), _load(petition_id))


@blp.route("/<int:petition_id>/attachments/<int:photo_id>")
class Attachment(MethodView):
    @require_staff(*STAFF)
    @blp.response(200, description="照片文件")
    def get(self, petition_id, photo_id):
        """Download a photo of a petition the staff member may see"""
        return send_photo(_load(petition_id), photo_id)


def send_photo(petition, photo_id: int):
    """The photo's bytes, if it belongs to this (already authorised) petition."""
    photo = next((p for p in petition.photos if p.id == photo_id), None)
    if photo is None:
        raise PetitionError(404, "照片不存在")
    try:
        data = get_storage().read(photo.storage_key)
    except FileNotFoundError as exc:
        raise PetitionError(404, "照片文件已不存在") from exc
    response = send_file(io.BytesIO(data), mimetype=photo.content_type, max_age=0,
                         download_name=f"{petition.number}-{photo.position + 1}.{photo.content_type.split('/')[1]}")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
