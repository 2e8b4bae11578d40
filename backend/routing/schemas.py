"""Routing schemas: suggestions for dispatchers and the bot, the routing table for supervisors."""

from marshmallow import Schema, fields, validate

from backend.core.validation import install_chinese_messages  # noqa: F401  (messages before fields)
from backend.directory.schemas import DepartmentRefSchema, PlaceRefSchema


class RoutingSuggestRequestSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    street = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))


class RoutingAlternativeSchema(Schema):
    department = fields.Nested(DepartmentRefSchema)
    category = fields.String()
    confidence = fields.Float()


class RoutingSuggestionSchema(Schema):
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    category = fields.String(allow_none=True)
    confidence = fields.Float()
    confident = fields.Boolean()
    alternatives = fields.List(fields.Nested(RoutingAlternativeSchema))


class RoutingOverrideSchema(Schema):
    street = fields.Nested(PlaceRefSchema)
    department = fields.Nested(DepartmentRefSchema)
    updated_at = fields.DateTime()


class RoutingRuleSchema(Schema):
    category = fields.String()
    name = fields.String()
    covers = fields.String()
    department = fields.Nested(DepartmentRefSchema)
    updated_at = fields.DateTime()
    overrides = fields.List(fields.Nested(RoutingOverrideSchema))


class RoutingRuleListSchema(Schema):
    items = fields.List(fields.Nested(RoutingRuleSchema))


class RoutingRuleUpdateSchema(Schema):
    department = fields.String(required=True, validate=validate.Length(min=1, max=64))
    street = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32))


class RoutingOverrideDeleteArgs(Schema):
    street = fields.String(required=True, validate=validate.Length(min=1, max=32))
