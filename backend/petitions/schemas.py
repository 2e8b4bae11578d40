"""Petition schemas for input and for the staff audience (resident ones are in public_schemas)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from backend.core.masking import mask_text
from backend.core.validation import INT_MAX, Boolean, Integer, PageArgs, PeriodArgs, Text
from backend.directory.schemas import DepartmentRefSchema, PlaceRefSchema
from backend.petitions import queues, states
from backend.petitions.models import TYPES, URGENCIES

CONTENT_LENGTH = (5, 1000)


class _Stripped(Schema):
    @pre_load
    def strip_strings(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        # Multipart forms send empty strings for untouched optional fields.
        return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()
                if not (isinstance(v, str) and v.strip() == "" and k not in ("content", "street", "type"))}


class PetitionCreateSchema(_Stripped):
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    content = Text(required=True, validate=validate.Length(*CONTENT_LENGTH))
    street = Text(required=True, validate=validate.Length(min=1, max=32))
    community = Text(load_default=None, allow_none=True, validate=validate.Length(max=64))
    address = Text(load_default="", validate=validate.Length(max=200))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    contact_consent = Boolean(load_default=False)
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))


def _names_a_resident_id(value: str) -> None:
    # The bot's sender id is the resident's id: digits beyond an INTEGER column name nobody (PostgreSQL refuses them).
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and int(value) <= INT_MAX):
        raise ValidationError("应为居民编号（数字）")


def sender_id_field() -> fields.String:
    """The bot's sender_id: the id of the resident chatting."""
    return fields.String(required=True, validate=_names_a_resident_id)


class BotPetitionCreateSchema(PetitionCreateSchema):
    sender_id = sender_id_field()


class PetitionCreatedSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    status_label = fields.Function(lambda p: states.RESIDENT_LABELS[p.status])
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    reply_deadline = fields.Function(lambda p: _deadline(p.reply_by))


def _deadline(moment) -> str:
    from backend.petitions.service import deadline_day

    return deadline_day(moment)


class PetitionTransitionRequestSchema(_Stripped):
    class Meta:
        unknown = EXCLUDE

    action = fields.String(required=True, validate=validate.OneOf(states.STAFF_ACTIONS))
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))
    department = Text(validate=validate.Length(max=64))
    days = Integer()
    content = Text(validate=validate.Length(max=2000))
    target = Text(validate=validate.Length(max=20))


class PetitionReplyCreateSchema(Schema):
    content = Text(required=True, validate=validate.Length(min=5, max=2000))


class PetitionNoteCreateSchema(Schema):
    body = Text(required=True, validate=validate.Length(min=1, max=2000))


class PetitionStaffListArgs(PageArgs, PeriodArgs):
    status = fields.String(validate=validate.OneOf(states.STATES))
    queue = fields.String(validate=validate.OneOf(("manual", *queues.LABELS)),
                          metadata={"description": "manual = 派单员待派；其余为工作台队列，见 /petitions/queues"})
    department = Text(validate=validate.Length(max=64))
    street = Text(validate=validate.Length(max=32))
    community = Text(validate=validate.Length(max=64))
    category = Text(validate=validate.Length(max=64))
    type = fields.String(validate=validate.OneOf(TYPES))
    overdue = fields.Boolean()
    rating = Integer(validate=validate.Range(min=1, max=5), metadata={"description": "居民评分"})
    q = Text(validate=validate.Length(max=100))
    sort = fields.String(load_default="-created", validate=validate.OneOf(("-created", "created", "deadline")),
                         metadata={"description": "deadline = 当前环节的期限最早的在前"})


class QueueCountSchema(Schema):
    key = fields.String()
    label = fields.String()
    count = fields.Integer()


class QueueCountListSchema(Schema):
    items = fields.List(fields.Nested(QueueCountSchema))


class BulkAcceptSchema(Schema):
    ids = fields.List(Integer(), required=True, validate=validate.Length(min=1, max=100))


class BulkResultSchema(Schema):
    id = fields.Integer()
    ok = fields.Boolean()
    message = fields.String(allow_none=True)


class BulkResultListSchema(Schema):
    items = fields.List(fields.Nested(BulkResultSchema))


class PetitionTransitionStaffSchema(Schema):
    id = fields.Integer()
    action = fields.String()
    action_label = fields.Function(lambda t: states.ACTIONS[t.action].label)
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_kind = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String(allow_none=True)
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class PetitionReplyStaffSchema(Schema):
    id = fields.Integer()
    content = fields.String()
    department = fields.Nested(DepartmentRefSchema)
    created_at = fields.DateTime()


class PetitionNoteSchema(Schema):
    id = fields.Integer()
    staff_id = fields.Integer()
    body = fields.String()
    created_at = fields.DateTime()


class PetitionRatingSchema(Schema):
    round = fields.Integer()
    score = fields.Integer()
    resolved = fields.Boolean()
    comment = fields.String()
    created_at = fields.DateTime()


class PetitionPhotoStaffSchema(Schema):
    id = fields.Integer()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    url = fields.Function(lambda ph: f"/api/v1/petitions/{ph.petition_id}/attachments/{ph.id}")


class PetitionStaffListItemSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    type = fields.String()
    # Lists are seen by every clerk and supervisor: numbers the resident typed are masked (before cutting).
    summary = fields.Function(lambda p: mask_text(p.content)[:60])
    status = fields.String()
    status_label = fields.Function(lambda p: states.STAFF_LABELS[p.status])
    urgency = fields.String()
    source = fields.String()
    category = fields.String(allow_none=True)
    category_confidence = fields.Float(allow_none=True)
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    street = fields.Nested(PlaceRefSchema)
    accept_by = fields.DateTime()
    reply_by = fields.DateTime()
    close_by = fields.DateTime()
    accept_overdue = fields.Boolean()
    reply_overdue = fields.Boolean()
    close_overdue = fields.Boolean()
    stage_deadline = fields.Function(
        lambda p: _stage_deadline(p), allow_none=True,
        metadata={"description": "当前环节（签收/答复）的期限；其他状态为空"})
    created_at = fields.DateTime()


def _stage_deadline(petition) -> str | None:
    moment = {states.DISPATCHED: petition.accept_by, states.ACCEPTED: petition.reply_by}.get(petition.status)
    return moment.isoformat() if moment else None


class PetitionStaffListSchema(Schema):
    items = fields.List(fields.Nested(PetitionStaffListItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    limit = fields.Integer()


class PetitionResidentSchema(Schema):
    id = fields.Integer()
    nickname = fields.String()
    phone = fields.String(allow_none=True)
    phone_revealed = fields.Boolean()
    can_reveal = fields.Boolean(metadata={"description": "可通过 POST /contact 查看完整电话（留痕）"})


class AllowedActionSchema(Schema):
    action = fields.String(attribute="name")
    label = fields.String()
    reason_required = fields.Boolean()


class ClockSchema(Schema):
    stage = fields.String()
    label = fields.String()
    deadline = fields.DateTime()
    done_at = fields.DateTime(allow_none=True)
    running = fields.Boolean()
    overdue = fields.Boolean()
    working_days_left = fields.Integer(allow_none=True)


class TimelineEntrySchema(Schema):
    kind = fields.String(metadata={"description": "transition（流转）或 audit（其他留痕操作）"})
    action = fields.String()
    label = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    to_status_label = fields.String(allow_none=True)
    actor_kind = fields.String()
    actor_role = fields.String(allow_none=True)
    actor_name = fields.String(allow_none=True)
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class PetitionStaffSchema(PetitionStaffListItemSchema):
    content = fields.String()
    community = fields.Nested(PlaceRefSchema, allow_none=True)
    address = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    contact_consent = fields.Boolean()
    extension_status = fields.String()
    extension_days = fields.Integer(allow_none=True)
    reopened_count = fields.Integer()
    returned_count = fields.Integer()
    merged_into = fields.Function(lambda p: p.merged_into.number if p.merged_into else None)
    accepted_at = fields.DateTime(allow_none=True)
    replied_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    resident_info = fields.Nested(PetitionResidentSchema, data_key="resident")
    photos = fields.List(fields.Nested(PetitionPhotoStaffSchema))
    transitions = fields.List(fields.Nested(PetitionTransitionStaffSchema))
    replies = fields.List(fields.Nested(PetitionReplyStaffSchema))
    notes = fields.List(fields.Nested(PetitionNoteSchema))
    ratings = fields.List(fields.Nested(PetitionRatingSchema))
    allowed_actions = fields.List(fields.Nested(AllowedActionSchema),
                                  metadata={"description": "当前账号此刻可执行的操作"})
    clocks = fields.List(fields.Nested(ClockSchema))
    timeline = fields.List(fields.Nested(TimelineEntrySchema))
