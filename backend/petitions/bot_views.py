"""Endpoints for the Rasa action server (service token): file a petition, list a resident's petitions."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from backend.core.security import require_service
from backend.directory.schemas import DepartmentRefSchema
from backend.petitions import flows, intake, public_schemas, queries, schemas
from backend.petitions.errors import invalid
from backend.residents import service as residents

blp = Blueprint("bot_petitions", __name__, url_prefix="/api/v1/bot/petitions", description="机器人诉求接口")


class BotSenderArgs(Schema):
    sender_id = schemas.sender_id_field()


class BotPetitionItemSchema(Schema):
    number = fields.String()
    status = public_schemas.PetitionPublicListItemSchema._declared_fields["status"]
    status_label = public_schemas.PetitionPublicListItemSchema._declared_fields["status_label"]
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    created_at = fields.DateTime()
    reply_deadline = public_schemas.PetitionPublicListItemSchema._declared_fields["reply_deadline"]


class BotPetitionListSchema(Schema):
    items = fields.List(fields.Nested(BotPetitionItemSchema))


def _resident(sender_id: str):
    resident = residents.get(resident_id=int(sender_id))
    if resident is None:
        raise invalid("sender_id", "找不到该居民，请先在小程序登录")
    return resident


@blp.route("")
class BotPetitions(MethodView):
    @require_service()
    @blp.arguments(schemas.BotPetitionCreateSchema)
    @blp.response(201, schemas.PetitionCreatedSchema)
    def post(self, data):
        """File a petition for the resident chatting with the bot (same workflow as the form)"""
        resident = _resident(data.pop("sender_id"))
        key = intake.check_idempotency_key(request.headers.get("Idempotency-Key"))
        petition, created = intake.submit(resident=resident, data=data, uploads=[], idempotency_key=key,
                                          source="bot")
        if created:
            flows.route_after_commit(petition.id)
        return petition, 201 if created else 200

    @require_service()
    @blp.arguments(BotSenderArgs, location="query")
    @blp.response(200, BotPetitionListSchema)
    def get(self, args):
        """A resident's latest petitions"""
        items, _ = queries.list_for_resident(resident_id=int(args["sender_id"]), status=None, page=1, limit=10)
        return {"items": items}
