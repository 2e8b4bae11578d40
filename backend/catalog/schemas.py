"""Catalog schemas: one to write an item (staff API and import), one per audience to read."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from backend.catalog.models import AUDIENCES, STATUSES, THEMES
from backend.catalog.search import MAX_QUERY_LENGTH
from backend.core.validation import Integer, PageArgs, Text  # also installs the Chinese messages first
from backend.directory.schemas import DepartmentRefSchema

MATERIAL_FORMS = ("原件", "复印件", "原件和复印件", "电子件")
MAX_DAYS = 3650
CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$"


def _text(max_length: int, *, required: bool = False, **kwargs) -> Text:
    """A text field of bounded length; required ones must not be blank."""
    return Text(required=required, validate=validate.Length(min=1 if required else 0, max=max_length), **kwargs)


def _list(inner: fields.Field, max_items: int) -> fields.List:
    return fields.List(inner, load_default=list, validate=validate.Length(max=max_items))


def _department_exists(code: str) -> None:
    from backend.directory import service as directory

    if directory.get_department_by_code(code=code) is None:
        raise ValidationError("没有这个部门，请使用部门编码（见 /api/mp/departments）")


class MaterialSchema(Schema):
    name = _text(128, required=True)
    form = fields.String(load_default="原件", validate=validate.OneOf(MATERIAL_FORMS))
    count = Integer(load_default=1, validate=validate.Range(min=1, max=999))
    notes = _text(500, load_default="")


class StepSchema(Schema):
    title = _text(64, required=True)
    description = _text(1000, load_default="")


class PlaceSchema(Schema):
    name = _text(128, required=True)
    address = _text(255, load_default="")
    hours = _text(255, load_default="")
    phone = _text(64, load_default="")


class FaqSchema(Schema):
    question = _text(255, required=True)
    answer = _text(2000, required=True)


class ItemWriteSchema(Schema):
    """Every field an editor (or an import file) may set."""

    code = fields.String(required=True, validate=validate.Regexp(
        CODE_PATTERN, error="事项编码只能包含字母、数字、- 和 _，最长 32 位"))
    name = _text(128, required=True)
    department = Text(required=True, validate=[validate.Length(min=1, max=64), _department_exists])
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    themes = _list(fields.String(validate=validate.OneOf(THEMES)), len(THEMES))
    summary = _text(2000, required=True)
    aliases = _list(_text(64, required=True), 50)
    keywords = _list(_text(64, required=True), 50)
    conditions = _list(_text(500, required=True), 50)
    materials = _list(fields.Nested(MaterialSchema), 100)
    steps = _list(fields.Nested(StepSchema), 50)
    legal_time_limit_days = Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(min=0, max=MAX_DAYS))
    promised_time_limit_days = Integer(load_default=0, validate=validate.Range(min=0, max=MAX_DAYS))
    fee = _text(255, load_default="不收费")
    places = _list(fields.Nested(PlaceSchema), 50)
    online_url = fields.URL(load_default=None, allow_none=True, schemes={"http", "https"},
                            validate=validate.Length(max=512))
    faq = _list(fields.Nested(FaqSchema), 50)
    status = fields.String(load_default="draft", validate=validate.OneOf(STATUSES))

    @validates("themes")
    def _distinct_themes(self, value: list[str], **_kwargs) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("主题不能重复")

    @validates_schema
    def _promise_within_law(self, data: dict, **_kwargs) -> None:
        legal, promised = data.get("legal_time_limit_days"), data.get("promised_time_limit_days")
        if legal is not None and promised is not None and promised > legal:
            raise ValidationError("承诺时限不能超过法定时限", "promised_time_limit_days")


class ItemUpdateSchema(ItemWriteSchema):
    """A PATCH: any subset of the fields; the code is permanent and status has its own endpoints."""

    class Meta:
        exclude = ("code", "status")

    @validates_schema
    def _changes_something(self, data: dict, **_kwargs) -> None:
        if not data:
            raise ValidationError("请至少填写一项要修改的内容", "_schema")


class SearchArgs(PageArgs):
    q = fields.String(load_default=None, validate=validate.Length(
        max=MAX_QUERY_LENGTH, error=f"搜索内容过长（最多 {MAX_QUERY_LENGTH} 个字）"))
    theme = fields.String(load_default=None, validate=validate.OneOf(THEMES))
    department = Text(load_default=None, validate=[validate.Length(max=64), _department_exists])
    audience = fields.String(load_default=None, validate=validate.OneOf(AUDIENCES))


class StaffSearchArgs(SearchArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


def time_limit_text(item) -> str:
    """承诺/法定时限 in the words a resident reads."""
    if not item.promised_time_limit_days:
        return "即办"
    text = f"承诺 {item.promised_time_limit_days} 个工作日"
    if item.legal_time_limit_days:
        text += f"（法定 {item.legal_time_limit_days} 个工作日）"
    return text


class ItemSummarySchema(Schema):
    code = fields.String()
    name = fields.String()
    department = fields.Nested(DepartmentRefSchema)
    audience = fields.String()
    themes = fields.List(fields.String())
    summary = fields.String()
    promised_time_limit_days = fields.Integer()
    time_limit_text = fields.Function(time_limit_text)
    fee = fields.String()
    # Only in a resident search with q: the ranking score (ranking.py), so the bot can tell a strong match.
    score = fields.Float(metadata={"description": "相关度得分（仅按 q 搜索时返回）"})


class ItemPublicSchema(ItemSummarySchema):
    """The full guide a resident (or the bot) reads."""

    aliases = fields.List(fields.String())
    conditions = fields.List(fields.String())
    materials = fields.List(fields.Nested(MaterialSchema))
    steps = fields.List(fields.Nested(StepSchema))
    legal_time_limit_days = fields.Integer(allow_none=True)
    places = fields.List(fields.Nested(PlaceSchema))
    online_url = fields.String(allow_none=True)
    faq = fields.List(fields.Nested(FaqSchema))
    updated_at = fields.DateTime()


class ItemStaffSchema(ItemPublicSchema):
    keywords = fields.List(fields.String())
    status = fields.String()
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class ItemPageSchema(Schema):
    items = fields.List(fields.Nested(ItemSummarySchema))
    total = fields.Integer()
    page = fields.Integer()
    limit = fields.Integer()


class ItemStaffPageSchema(ItemPageSchema):
    items = fields.List(fields.Nested(ItemStaffSchema))


class ThemeSchema(Schema):
    name = fields.String()
    count = fields.Integer()


class ThemeListSchema(Schema):
    items = fields.List(fields.Nested(ThemeSchema))
