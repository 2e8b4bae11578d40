"""Audit rows as staff see them."""

from marshmallow import Schema, fields

from backend.audit.service import LABELS


class AuditEventSchema(Schema):
    id = fields.Integer()
    action = fields.String()
    action_label = fields.Function(lambda e: LABELS.get(e.action, e.action))
    subject_type = fields.String()
    subject_id = fields.String()
    actor_kind = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String(allow_none=True)
    detail = fields.Dict()
    at = fields.DateTime()


class AuditEventListSchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema))
