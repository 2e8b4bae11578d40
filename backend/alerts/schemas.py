"""Alert schemas: what residents see, what supervisors see (with the audit trail), and the request bodies."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.alerts.models import LEVELS, STATUSES
from backend.core.validation import DateTime, PageArgs, Text
from backend.directory.schemas import PlaceRefSchema

LEVEL = validate.OneOf(tuple(LEVELS))
STREET_CODES = fields.List(Text(validate=validate.Length(min=1, max=32)), validate=validate.Length(min=1, max=20))


class AlertPublicSchema(Schema):
    """An alert as residents see it."""

    id = fields.Integer()
    level = fields.String(metadata={"description": "blue | yellow | orange | red"})
    level_label = fields.Function(lambda a: f"{LEVELS[a.level]}预警")
    title = fields.String()
    text = fields.String()
    valid_from = fields.DateTime()
    valid_until = fields.DateTime()
    streets = fields.List(fields.Nested(PlaceRefSchema))


class AlertPublicListSchema(Schema):
    items = fields.List(fields.Nested(AlertPublicSchema))
    total = fields.Integer()


class AlertEventSchema(Schema):
    action = fields.String()
    actor_kind = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String(allow_none=True)
    at = fields.DateTime()
    details = fields.Dict()
    reason = fields.String(allow_none=True)


class AlertSummarySchema(AlertPublicSchema):
    """An alert in the supervisors' list."""

    status = fields.String(metadata={"description": "pending_confirmation | active | withdrawn"})
    version = fields.Integer()
    source = fields.String()
    recipients = fields.Integer(metadata={"description": "本版本排队发送的居民数"})
    created_at = fields.DateTime()


class AlertStaffSchema(AlertSummarySchema):
    """One alert with its audit trail."""

    events = fields.List(fields.Nested(AlertEventSchema))


class AlertStaffListSchema(Schema):
    items = fields.List(fields.Nested(AlertSummarySchema))
    total = fields.Integer()


class AlertListArgs(PageArgs):
    status = Text(load_default=None, validate=validate.OneOf(STATUSES))


class AlertPublicArgs(Schema):
    street = Text(load_default=None, validate=validate.Length(min=1, max=32), metadata={"description": "街道编码"})


class AlertIssueSchema(Schema):
    level = Text(required=True, validate=LEVEL)
    title = Text(required=True, strip=True, validate=validate.Length(min=1, max=60))
    text = Text(required=True, strip=True, validate=validate.Length(min=1, max=1000))
    streets = STREET_CODES
    valid_from = DateTime(load_default=None, metadata={"description": "默认为现在"})
    valid_until = DateTime(required=True)

    @validates_schema
    def streets_required(self, data, **kwargs):
        if not data.get("streets"):
            raise ValidationError("请至少选择一个街道", field_name="streets")


class AlertUpdateSchema(Schema):
    level = Text(validate=LEVEL)
    title = Text(strip=True, validate=validate.Length(min=1, max=60))
    text = Text(strip=True, validate=validate.Length(min=1, max=1000))
    streets = STREET_CODES
    valid_from = DateTime()
    valid_until = DateTime()


class AlertWithdrawSchema(Schema):
    reason = Text(load_default=None, validate=validate.Length(max=500))
