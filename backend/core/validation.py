"""Chinese messages for marshmallow's built-in validation errors, and the shared input fields (Text, Integer, Date)."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

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


# The largest value our INTEGER columns hold (32 bits in PostgreSQL): ids and counts beyond it cannot exist.
INT_MAX = 2**31 - 1
# Control characters (Unicode category Cc) other than tab, line feed and carriage return, and lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _visible(char: str) -> bool:
    # Format characters (Cf) are the invisible ones: zero-width space and joiners, BOM, direction marks.
    return not char.isspace() and unicodedata.category(char) != "Cf"


def text_problem(value: str, *, blank_ok: bool = True) -> str | None:
    """Why a piece of text cannot be stored (control character, lone surrogate, nothing visible), or None."""
    if _CONTROL.search(value):
        return "不能包含控制字符（如 NUL）"
    if _SURROGATE.search(value):
        return "包含无效的字符编码"
    if not value or any(_visible(char) for char in value):  # stops at the first visible character
        return None
    if not value.isspace():
        return "不能只包含不可见字符"
    return None if blank_ok else "不能只包含空白"


class Text(fields.String):
    """Free text from a person: no control characters, and not only blanks or invisible characters.

    blank_ok (default: when not required) lets whitespace-only text through; strip trims it first.
    """

    def __init__(self, *, strip: bool = False, blank_ok: bool | None = None, **kwargs):
        super().__init__(**kwargs)
        self.strip = strip
        self.blank_ok = (not self.required) if blank_ok is None else blank_ok

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.strip:
            text = text.strip()
        problem = text_problem(text, blank_ok=self.blank_ok)
        if problem:
            raise ValidationError(problem)
        return text


class Integer(fields.Integer):
    """An integer that fits an INTEGER column; a number with a fraction is refused, not truncated."""

    def _validated(self, value):
        if isinstance(value, float) and math.isfinite(value) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        number = super()._validated(value)
        if not -INT_MAX - 1 <= number <= INT_MAX:
            raise self.make_error("too_large", input=value)
        return number


# Dates before the service existed or far in the future are typing mistakes (and overflow date arithmetic).
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)


def _sane_date(value: date) -> None:
    # A plain function, not validate.Range: apispec would put date objects into the OpenAPI document.
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValidationError(f"日期应在 {MIN_DATE.isoformat()} 到 {MAX_DATE.isoformat()} 之间")


class Date(fields.Date):
    """A calendar date between MIN_DATE and MAX_DATE."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(_sane_date)


# Times without an offset are the service's local time (the demo jurisdiction is in China).
LOCAL_ZONE = timezone(timedelta(hours=8), "Asia/Shanghai")


def _sane_datetime(value: datetime) -> None:
    if not MIN_DATE <= value.date() <= MAX_DATE:
        raise ValidationError(f"时间应在 {MIN_DATE.isoformat()} 到 {MAX_DATE.isoformat()} 之间")


class DateTime(fields.AwareDateTime):
    """A moment between MIN_DATE and MAX_DATE, read back aware (no offset given → Beijing time)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", LOCAL_ZONE)
        super().__init__(**kwargs)
        self.validators.append(_sane_datetime)


class PeriodArgs(Schema):
    """from/to query arguments: sane dates, from not after to."""

    date_from = Date(data_key="from", load_default=None)
    date_to = Date(data_key="to", load_default=None)

    @validates_schema
    def check_period(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("开始日期不能晚于结束日期", field_name="from")


class PageArgs(Schema):
    """page/limit query arguments shared by list endpoints."""

    page = Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    limit = Integer(load_default=20, validate=validate.Range(min=1, max=100))


class Boolean(fields.Boolean):
    """true or false — a JSON boolean, or the word in a query string or form; 0, 1, "yes" and "on" are refused."""

    WORDS = {"true": True, "false": False}

    def _deserialize(self, value, attr, data, **kwargs):
        # marshmallow's own Boolean takes 0 and 1 (1 == True in a set), which the document does not allow.
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in self.WORDS:
            return self.WORDS[value.lower()]
        raise self.make_error("invalid", input=value)


class RequireChanges:
    """Mixin for PATCH schemas: an empty body (or one with no known field) is a 422, not a silent no-op."""

    @validates_schema
    def _changes_something(self, data: dict, **_kwargs) -> None:
        if not data:
            raise ValidationError("请至少填写一项要修改的内容", "_schema")
