"""Directory schemas, one per audience."""

from marshmallow import Schema, fields, validate

from backend.core.security import STAFF_ROLES
from backend.core.validation import Boolean, PageArgs, RequireChanges, Text


class DepartmentRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class DepartmentSchema(DepartmentRefSchema):
    responsibilities = fields.Method("split_responsibilities")

    def split_responsibilities(self, obj) -> list[str]:
        return [part for part in obj.responsibilities.split("；") if part]


class PlaceRefSchema(Schema):
    """A street or a community, as other resources refer to it."""

    code = fields.String()
    name = fields.String()


class StreetSchema(PlaceRefSchema):
    communities = fields.List(fields.Nested(PlaceRefSchema))


class DepartmentListSchema(Schema):
    items = fields.List(fields.Nested(DepartmentSchema))


class StreetListSchema(Schema):
    items = fields.List(fields.Nested(StreetSchema))


class TokenRequestSchema(Schema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))
    password = Text(required=True, validate=validate.Length(min=1, max=128))


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class StaffSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    department = fields.Nested(DepartmentRefSchema, allow_none=True)


class SessionSchema(Schema):
    """The console's session: who is signed in and the token unsafe requests must repeat in X-CSRF-Token."""

    authenticated = fields.Boolean()
    staff = fields.Nested(StaffSchema, allow_none=True)
    csrf_token = fields.String(allow_none=True)
    idle_timeout = fields.Integer(metadata={"description": "无操作多少秒后会话结束"})


class PasswordChangeSchema(Schema):
    old_password = fields.String(required=True, validate=validate.Length(min=1, max=128))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=128))


USERNAME = validate.Regexp(r"^[a-z0-9_.-]{3,64}$", error="用户名应为 3 到 64 位小写字母、数字、下划线、点或连字符")


class StaffAdminSchema(StaffSchema):
    is_active = fields.Boolean()
    last_login_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class StaffListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=64))
    role = fields.String(validate=validate.OneOf(STAFF_ROLES))
    department = fields.String(validate=validate.Length(max=64))


class StaffListSchema(Schema):
    items = fields.List(fields.Nested(StaffAdminSchema))
    total = fields.Integer()
    page = fields.Integer()
    limit = fields.Integer()


class StaffCreateSchema(Schema):
    username = fields.String(required=True, validate=USERNAME)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.String(required=True, validate=validate.OneOf(STAFF_ROLES))
    department = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))


class StaffUpdateSchema(RequireChanges, Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=64))
    role = fields.String(validate=validate.OneOf(STAFF_ROLES))
    department = fields.String(allow_none=True, validate=validate.Length(max=64))
    is_active = Boolean()


class PasswordResetSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))
