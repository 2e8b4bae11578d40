"""Reply template schemas."""

from marshmallow import Schema, fields, validate

from backend.core.validation import RequireChanges, Text, install_chinese_messages  # noqa: F401  (messages before fields)
from backend.directory.schemas import DepartmentRefSchema

TITLE = validate.Length(min=1, max=64)
BODY = validate.Length(min=5, max=2000)


class ReplyTemplateSchema(Schema):
    id = fields.Integer()
    department = fields.Nested(DepartmentRefSchema)
    title = fields.String()
    body = fields.String()
    updated_at = fields.DateTime()


class ReplyTemplateListSchema(Schema):
    items = fields.List(fields.Nested(ReplyTemplateSchema))
    variables = fields.Dict(keys=fields.String(), values=fields.String(),
                            metadata={"description": "可用变量及其含义，如 {number}"})


class ReplyTemplateListArgs(Schema):
    department = Text(validate=validate.Length(max=64))


class ReplyTemplateCreateSchema(Schema):
    department = Text(validate=validate.Length(max=64), metadata={"description": "部门代码；办理员省略（总是本部门）"})
    title = Text(required=True, validate=TITLE)
    body = Text(required=True, validate=BODY)


class ReplyTemplateUpdateSchema(RequireChanges, Schema):
    title = Text(validate=TITLE)
    body = Text(validate=BODY)


class RenderedTemplateSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    text = fields.String(metadata={"description": "已填入本诉求变量的答复文本"})


class RenderedTemplateListSchema(Schema):
    items = fields.List(fields.Nested(RenderedTemplateSchema))
