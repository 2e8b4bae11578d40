"""Routing schemas: suggestions for dispatchers and the bot, the routing table for supervisors."""

from marshmallow import Schema, fields, validate

from backend.core.validation import Text
from backend.directory.schemas import DepartmentRefSchema, PlaceRefSchema


class RoutingSuggestRequestSchema(Schema):
    text = Text(required=True, validate=validate.Length(min=1, max=1000))
    street = Text(load_default=None, allow_none=True, validate=validate.Length(max=32))


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
    department = Text(required=True, validate=validate.Length(min=1, max=64))
    street = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32))


class RoutingOverrideDeleteArgs(Schema):
    street = Text(required=True, validate=validate.Length(min=1, max=32))
