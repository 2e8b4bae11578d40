"""Petition schemas for residents: no internal notes, no staff identities, friendly labels."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from backend.core.validation import Boolean, Integer, PageArgs, Text
from backend.directory.schemas import DepartmentRefSchema, PlaceRefSchema
from backend.petitions import states
from backend.petitions import timeline as history
from backend.petitions.schemas import _deadline


class PetitionPhotoPublicSchema(Schema):
    id = fields.Integer()
    content_type = fields.String()
    size = fields.Integer()
    url = fields.Function(lambda ph: f"/api/mp/petitions/{ph.petition_id}/photos/{ph.id}")


class PetitionReplyPublicSchema(Schema):
    content = fields.String()
    department = fields.Nested(DepartmentRefSchema)
    created_at = fields.DateTime()


class PetitionRatingPublicSchema(Schema):
    score = fields.Integer()
    resolved = fields.Boolean()
    comment = fields.String()
    created_at = fields.DateTime()


class PetitionEventSchema(Schema):
    action = fields.String()
    title = fields.String()
    status_label = fields.String()
    at = fields.DateTime()


class PetitionPublicListItemSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    type = fields.String()
    summary = fields.Function(lambda p: p.content[:40])
    status = fields.Function(lambda p: states.DISPATCHED if p.status == states.RETURNED else p.status)
    status_label = fields.Function(lambda p: states.RESIDENT_LABELS[p.status])
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    created_at = fields.DateTime()
    reply_deadline = fields.Function(lambda p: _deadline(p.reply_by))


class PetitionPublicListSchema(Schema):
    items = fields.List(fields.Nested(PetitionPublicListItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    limit = fields.Integer()


class PetitionPublicSchema(PetitionPublicListItemSchema):
    content = fields.String()
    urgency = fields.String()
    street = fields.Nested(PlaceRefSchema)
    community = fields.Nested(PlaceRefSchema, allow_none=True)
    address = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    contact_consent = fields.Boolean()
    photos = fields.List(fields.Nested(PetitionPhotoPublicSchema))
    replies = fields.List(fields.Nested(PetitionReplyPublicSchema))
    ratings = fields.List(fields.Nested(PetitionRatingPublicSchema))
    timeline = fields.Function(lambda p: PetitionEventSchema(many=True).dump(history.events(p)))
    merged_into = fields.Function(lambda p: p.merged_into.number if p.merged_into else None)
    can_rate = fields.Function(lambda p: p.status == states.REPLIED)
    can_reopen = fields.Function(history.can_reopen)
    can_withdraw = fields.Function(lambda p: p.status in states.ACTIONS["withdraw"].sources)


class PetitionRateSchema(Schema):
    score = Integer(required=True, validate=validate.Range(min=1, max=5))
    resolved = Boolean(required=True)
    comment = Text(load_default="", validate=validate.Length(max=500))


class PetitionReasonSchema(Schema):
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))


class PetitionReopenSchema(Schema):
    reason = Text(required=True, validate=validate.Length(min=2, max=500))


class MyPetitionsArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(states.STATES))
