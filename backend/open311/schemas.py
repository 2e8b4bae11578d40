"""Open311 GeoReport v2 shapes (the spec's field names), and the staff API's partner schemas."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from backend.calendar.service import BEIJING
from backend.core.validation import Boolean, Text
from backend.petitions.models import TYPES, URGENCIES
from backend.petitions.schemas import CONTENT_LENGTH


class Open311ServiceSchema(Schema):
    service_code = fields.String()
    service_name = fields.String()
    description = fields.String(allow_none=True)
    metadata = fields.Boolean()
    type = fields.String(metadata={"enum": ["realtime", "batch", "blackbox"]})
    keywords = fields.String(allow_none=True)
    group = fields.String(allow_none=True, metadata={"description": "承办部门"})


class Open311AttributeValueSchema(Schema):
    key = fields.String()
    name = fields.String()


class Open311AttributeSchema(Schema):
    variable = fields.Boolean()
    code = fields.String()
    datatype = fields.String()
    required = fields.Boolean()
    datatype_description = fields.String(allow_none=True)
    order = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    values = fields.List(fields.Nested(Open311AttributeValueSchema))


class Open311ServiceDefinitionSchema(Schema):
    service_code = fields.String()
    attributes = fields.List(fields.Nested(Open311AttributeSchema))


class Open311ServiceRequestSchema(Schema):
    service_request_id = fields.String()
    status = fields.String(metadata={"enum": ["open", "closed"]})
    status_notes = fields.String(allow_none=True)
    service_name = fields.String(allow_none=True)
    service_code = fields.String()
    description = fields.String(allow_none=True)
    agency_responsible = fields.String(allow_none=True)
    service_notice = fields.String(allow_none=True)
    requested_datetime = fields.String(metadata={"format": "date-time"})
    updated_datetime = fields.String(allow_none=True, metadata={"format": "date-time"})
    expected_datetime = fields.String(allow_none=True, metadata={"format": "date-time"})
    address = fields.String(allow_none=True)
    address_id = fields.String(allow_none=True)
    zipcode = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    long = fields.Float(allow_none=True)
    media_url = fields.String(allow_none=True)


class Open311CreatedSchema(Schema):
    service_request_id = fields.String()
    token = fields.String()
    service_notice = fields.String(allow_none=True)
    account_id = fields.String(allow_none=True)


class Open311TokenSchema(Schema):
    service_request_id = fields.String()
    token = fields.String()


class Open311EndpointSchema(Schema):
    specification = fields.String()
    url = fields.String()
    changeset = fields.String()
    type = fields.String()
    formats = fields.List(fields.String())


class Open311DiscoverySchema(Schema):
    changeset = fields.String()
    contact = fields.String()
    key_service = fields.String()
    endpoints = fields.List(fields.Nested(Open311EndpointSchema))


class Open311ErrorSchema(Schema):
    code = fields.Integer()
    description = fields.String()


class Open311RequestFormSchema(Schema):
    """POST requests.json (application/x-www-form-urlencoded). Contact fields of the spec (email, names, phone)
    are accepted and not stored: the partner keeps its own people's contact data."""

    class Meta:
        unknown = EXCLUDE

    api_key = fields.String(required=True, validate=validate.Length(min=1))
    service_code = Text(required=True, validate=validate.Length(min=1, max=64))
    description = Text(required=True, validate=validate.Length(*CONTENT_LENGTH))
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    long = fields.Float(validate=validate.Range(min=-180, max=180))
    address_string = Text(validate=validate.Length(max=500))
    address_id = Text(validate=validate.Length(max=64))
    media_url = Text(validate=validate.Length(max=1000))
    partner_request_id = Text(validate=validate.Length(min=1, max=64), metadata={
        "description": "合作方自己的工单号：同一合作方重复提交同一工单号时返回第一次创建的诉求"})
    street = fields.String(data_key="attribute[street]", validate=validate.Length(min=1, max=32))
    type = fields.String(data_key="attribute[type]", validate=validate.OneOf(TYPES))
    urgency = fields.String(data_key="attribute[urgency]", validate=validate.OneOf(URGENCIES))

    @validates_schema
    def position_needs_both(self, data, **kwargs):
        if ("lat" in data) != ("long" in data):
            raise ValidationError("lat 与 long 须同时提供", "lat")


class Open311RequestsQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    service_request_id = Text(validate=validate.Length(max=1100))
    service_code = Text(validate=validate.Length(max=1000))
    # W3C date-times; one without an offset is Beijing time.
    start_date = fields.AwareDateTime(default_timezone=BEIJING)
    end_date = fields.AwareDateTime(default_timezone=BEIJING)
    status = fields.String(validate=validate.OneOf(["open", "closed", "open,closed", "closed,open"]))


class PartnerCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    requests_per_minute = fields.Integer(load_default=60, validate=validate.Range(min=1, max=10_000))


class PartnerUpdateSchema(Schema):
    is_active = Boolean(required=True)


class PartnerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    key_prefix = fields.String(metadata={"description": "api_key 的开头几位，用于辨认"})
    is_active = fields.Boolean()
    requests_per_minute = fields.Integer()
    created_at = fields.DateTime()


class PartnerWithKeySchema(PartnerSchema):
    api_key = fields.String(metadata={"description": "完整的 api_key，只在创建或更换时返回这一次"})


class PartnerListSchema(Schema):
    items = fields.List(fields.Nested(PartnerSchema))
