"""Notice schemas: staff input and output, the residents' view."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from backend.core.validation import PageArgs, RequireChanges
from backend.directory.schemas import PlaceRefSchema
from backend.info.notices import service, states
from backend.info.schemas import local_datetime

CODE = {"validate": validate.Regexp(r"^[a-z0-9_]{1,64}$", error="编码格式不正确")}


class NoticeWriteSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=100))
    body = fields.String(required=True, validate=validate.Length(min=2, max=5000))
    category = fields.String(load_default="general", validate=validate.OneOf(tuple(states.CATEGORIES)))
    street_code = fields.String(load_default=None, allow_none=True, **CODE,
                                metadata={"description": "空 = 全区"})
    community_code = fields.String(load_default=None, allow_none=True, **CODE)
    affected_area = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    starts_at = local_datetime(load_default=None, allow_none=True)
    ends_at = local_datetime(load_default=None, allow_none=True)
    expires_at = local_datetime(load_default=None, allow_none=True,
                                metadata={"description": "空 = 停水停电停气结束后 1 天，其他公告发布后 30 天"})


class NoticeUpdateSchema(RequireChanges, NoticeWriteSchema):
    """The same fields, each optional (loaded with partial=True)."""


class StaffRefSchema(Schema):
    id = fields.Integer()
    display_name = fields.String()


class NoticeStaffSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    category = fields.String()
    category_label = fields.Function(lambda n: states.CATEGORIES.get(n.category, n.category))
    street = fields.Nested(PlaceRefSchema, allow_none=True)
    community = fields.Nested(PlaceRefSchema, allow_none=True)
    affected_area = fields.String(allow_none=True)
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    status = fields.Function(lambda n: service.display_status(n),
                             metadata={"description": "draft | pending | published | withdrawn | expired"})
    status_label = fields.Function(lambda n: states.LABELS[service.display_status(n)])
    status_reason = fields.String(allow_none=True)
    author = fields.Nested(StaffRefSchema)
    approver = fields.Nested(StaffRefSchema, allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class NoticeStaffPageSchema(Schema):
    items = fields.List(fields.Nested(NoticeStaffSchema))
    total = fields.Integer()


class NoticeStaffListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf((*states.STATES, "expired")))
    street = fields.String(**CODE)


class NoticeTransitionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(tuple(states.ACTIONS)),
                           metadata={"description": "submit 提交审核 | approve 审核发布 | reject 退回 | withdraw 撤回"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class AuditEntrySchema(Schema):
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String(allow_none=True)
    action = fields.String()
    details = fields.Dict(attribute="detail")


class AuditTrailSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))


class NoticePublicSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    category = fields.String(metadata={"description": "general | water | power | gas"})
    category_label = fields.String()
    street = fields.Nested(PlaceRefSchema, allow_none=True)
    community = fields.Nested(PlaceRefSchema, allow_none=True)
    affected_area = fields.String(allow_none=True)
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime()
    expires_at = fields.DateTime()
    scope = fields.String(metadata={"description": "community 本社区 | street 本街道 | district 全区 | other 其他街道"})
    read = fields.Boolean()
    read_at = fields.DateTime(allow_none=True)


class NoticePublicPageSchema(Schema):
    items = fields.List(fields.Nested(NoticePublicSchema))
    total = fields.Integer()
    unread = fields.Integer(metadata={"description": "本社区、本街道和全区公告中未读的条数"})


class NoticeListArgs(PageArgs):
    category = fields.String(validate=validate.OneOf(tuple(states.CATEGORIES)))
    street = fields.String(**CODE, metadata={"description": "只看这个街道的公告"})
    mine = fields.Boolean(load_default=False, metadata={"description": "true：只看本社区、本街道和全区的公告"})


class NoticeReadSchema(Schema):
    id = fields.Integer()
    read_at = fields.DateTime()
