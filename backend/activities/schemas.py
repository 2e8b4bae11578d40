"""Activity schemas: one per audience (residents, organisers) and the request bodies."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from backend.activities.models import SIGNUP_STATUSES
from backend.core.validation import Boolean, DateTime, Integer, PageArgs, Text
from backend.directory.schemas import PlaceRefSchema

STREET_CODE = validate.Length(min=1, max=32)


class ActivitySchema(Schema):
    """An activity as residents see it."""

    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    requirements = fields.String()
    place = fields.String()
    street = fields.Nested(PlaceRefSchema)
    organiser = fields.Function(lambda a: a.organiser.display_name)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    signup_deadline = fields.DateTime()
    cancel_deadline = fields.DateTime()
    capacity = fields.Integer()
    confirmed = fields.Integer(attribute="confirmed_count")
    waitlisted = fields.Integer(attribute="waitlisted_count")
    status = fields.String()


class ActivityListSchema(Schema):
    items = fields.List(fields.Nested(ActivitySchema))
    total = fields.Integer()


class ActivityListArgs(PageArgs):
    street = Text(load_default=None, validate=STREET_CODE, metadata={"description": "街道编码"})
    upcoming = Boolean(load_default=False, metadata={"description": "只看尚未结束的活动"})


class SignupRequestSchema(Schema):
    consent = Boolean(load_default=None, metadata={
        "description": "同意向活动组织方提供姓名和手机号（必须为 true）"})


class SignupResultSchema(Schema):
    status = fields.String(metadata={"description": "confirmed | waitlisted"})
    position = fields.Integer(metadata={"description": "候补名次（仅候补时）"})


class CodeRequestSchema(Schema):
    code = Text(required=True, strip=True, validate=validate.Length(min=1, max=300),
                metadata={"description": "组织方展示的签到二维码内容"})


class MySignupSchema(Schema):
    """One of my sign-ups, with the activity."""

    activity = fields.Nested(ActivitySchema)
    status = fields.String(validate=validate.OneOf(SIGNUP_STATUSES))
    position = fields.Integer(allow_none=True)
    checked_in_at = fields.DateTime(allow_none=True)
    checked_out_at = fields.DateTime(allow_none=True)
    hours = fields.Float()


class MySignupListSchema(Schema):
    items = fields.List(fields.Nested(MySignupSchema))
    total = fields.Integer()
    total_hours = fields.Float()


class ActivityWriteSchema(Schema):
    title = Text(required=True, strip=True, validate=validate.Length(min=1, max=100))
    description = Text(load_default="", validate=validate.Length(max=2000))
    requirements = Text(load_default="", validate=validate.Length(max=1000))
    place = Text(required=True, strip=True, validate=validate.Length(min=1, max=200))
    street = Text(required=True, validate=STREET_CODE, metadata={"description": "街道编码"})
    starts_at = DateTime(required=True)
    ends_at = DateTime(required=True)
    signup_deadline = DateTime(load_default=None, metadata={"description": "默认为开始时间"})
    cancel_deadline = DateTime(load_default=None, metadata={"description": "默认为报名截止时间"})
    capacity = Integer(required=True, validate=validate.Range(min=1, max=10_000))


class ActivityStaffListSchema(Schema):
    items = fields.List(fields.Nested(ActivitySchema))
    total = fields.Integer()


class CheckinCodeSchema(Schema):
    code = fields.String()
    expires_in = fields.Integer(metadata={"description": "秒；过期前请刷新二维码"})
    accepted_from = fields.DateTime()
    accepted_until = fields.DateTime()


class SignupStaffSchema(Schema):
    """A sign-up as its organiser sees it: name and masked phone (shared with the resident's consent)."""

    id = fields.Integer()
    name = fields.String()
    phone = fields.String(allow_none=True, metadata={"description": "手机号（遮盖）"})
    status = fields.String()
    position = fields.Integer(allow_none=True)
    signed_up_at = fields.DateTime()
    checked_in_at = fields.DateTime(allow_none=True)
    checked_out_at = fields.DateTime(allow_none=True)
    hours = fields.Float()


class SignupStaffListSchema(Schema):
    items = fields.List(fields.Nested(SignupStaffSchema))
    total = fields.Integer()


class CheckResultSchema(Schema):
    status = fields.String()
    checked_in_at = fields.DateTime(allow_none=True)
    checked_out_at = fields.DateTime(allow_none=True)
    hours = fields.Float(metadata={"description": "已计入的服务时长（小时）"})
