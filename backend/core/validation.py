"""Chinese messages for marshmallow's built-in validation errors, and shared field helpers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

FIELD_MESSAGES = {
    "required": "此项为必填项",
    "null": "此项不能为空",
    "validator_failed": "取值无效",
    "invalid": "格式不正确",
}
TYPE_MESSAGES = {
    fields.String: {"invalid": "应为文本", "invalid_utf8": "不是有效的 UTF-8 文本"},
    fields.Integer: {"invalid": "应为整数", "too_large": "数值过大"},
    fields.Float: {"invalid": "应为数字", "too_large": "数值过大", "special": "不是有效的数字"},
    fields.Boolean: {"invalid": "应为是或否（true/false）"},
    fields.DateTime: {"invalid": "日期时间格式不正确", "invalid_awareness": "日期时间格式不正确"},
    fields.Date: {"invalid": "日期格式不正确"},
    fields.List: {"invalid": "应为列表"},
    fields.Nested: {"type": "格式不正确"},
    fields.Dict: {"invalid": "应为对象"},
    fields.Email: {"invalid": "邮箱格式不正确"},
    fields.URL: {"invalid": "链接格式不正确"},
}


def install_chinese_messages() -> None:
    """Replaces marshmallow's English default messages with Chinese ones (idempotent)."""
    fields.Field.default_error_messages = {**fields.Field.default_error_messages, **FIELD_MESSAGES}
    for cls, messages in TYPE_MESSAGES.items():
        cls.default_error_messages = {**cls.default_error_messages, **messages}
    Schema._default_error_messages = {"type": "应为 JSON 对象", "unknown": "不支持的字段"}
    validate.Length.message_min = "长度不能少于 {min} 个字"
    validate.Length.message_max = "长度不能超过 {max} 个字"
    validate.Length.message_all = "长度应在 {min} 到 {max} 个字之间"
    validate.Length.message_equal = "长度应为 {equal}"
    # Range formats these templates with the operator words at construction time.
    validate.Range.message_min = "应{min_op} {{min}}"
    validate.Range.message_max = "应{max_op} {{max}}"
    validate.Range.message_all = "应{min_op} {{min}} 且{max_op} {{max}}"
    validate.Range.message_gte = "大于等于"
    validate.Range.message_gt = "大于"
    validate.Range.message_lte = "小于等于"
    validate.Range.message_lt = "小于"
    validate.OneOf.default_message = "取值应为以下之一：{choices}"
    validate.Regexp.default_message = "格式不正确"


# Validators copy their templates when constructed, so this must run before any schema is defined.
install_chinese_messages()


class PageArgs(Schema):
    """page/limit query arguments shared by list endpoints."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
