"""Staff notification schemas (staff audience only)."""

from __future__ import annotations

from marshmallow import Schema, fields

from backend.core.validation import Boolean, PageArgs
from backend.notifications.models import KIND_LABELS


class NotificationListArgs(PageArgs):
    unread = Boolean(load_default=None, allow_none=True)


class NotificationPetitionRefSchema(Schema):
    id = fields.Integer()
    number = fields.String()


class NotificationStaffSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.Function(lambda n: KIND_LABELS.get(n.kind, "系统通知"))
    message = fields.String()
    petition = fields.Nested(NotificationPetitionRefSchema, allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    read = fields.Function(lambda n: n.read_at is not None)


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationStaffSchema))
    total = fields.Integer()
    unread = fields.Integer()
    page = fields.Integer()
    limit = fields.Integer()


class UnreadCountSchema(Schema):
    unread = fields.Integer()


class ReadAllSchema(Schema):
    updated = fields.Integer()
    unread = fields.Integer()
