"""Directory schemas, one per audience."""

from marshmallow import Schema, fields, validate

from backend.core.validation import Text


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
