"""Resident schemas: the resident's own view of their profile and what they may change."""

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.core.validation import Text
from backend.directory.schemas import (
    PlaceRefSchema,
    TokenSchema,  # noqa: F401  (same token shape for residents)
)

MOBILE = re.compile(r"1[3-9][0-9]{9}")


def _mobile_or_empty(value: str) -> None:
    """An empty string clears the phone number; anything else must be a mainland mobile number."""
    if value and not MOBILE.fullmatch(value):
        raise ValidationError("请输入正确的 11 位手机号码")


class LoginRequestSchema(Schema):
    code = Text(required=True, validate=validate.Length(min=1, max=128),
                         metadata={"description": "wx.login() 返回的临时登录凭证"})


class ResidentPublicSchema(Schema):
    id = fields.Integer()
    nickname = fields.String()
    phone = fields.Method("masked_phone", metadata={"description": "脱敏后的手机号，如 138****5678"})
    street = fields.Nested(PlaceRefSchema, allow_none=True)
    community = fields.Nested(PlaceRefSchema, allow_none=True)
    created_at = fields.DateTime()

    def masked_phone(self, resident) -> str | None:
        from backend.residents.service import mask_phone

        return mask_phone(resident)


class ProfileUpdateSchema(Schema):
    nickname = Text(strip=True, validate=validate.Length(max=32))
    phone = Text(strip=True, allow_none=True, validate=_mobile_or_empty)
    street_code = Text(allow_none=True, validate=validate.Length(min=1, max=32))
    community_code = Text(allow_none=True, validate=validate.Length(min=1, max=64))

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("请至少填写一项要修改的内容", "_schema")
