"""Health facility schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from backend.core.validation import RequireChanges
from backend.directory.schemas import PlaceRefSchema
from backend.info.health.service import KINDS
from backend.info.schemas import STREET_CODE

TEXT = {"validate": validate.Length(min=1, max=200)}


class FacilityWriteSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{2,64}$", error="编码应为小写字母、数字或下划线"))
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(tuple(KINDS)))
    level = fields.String(load_default="", validate=validate.Length(max=32))
    street_code = fields.String(required=True, validate=STREET_CODE.validate)
    address = fields.String(required=True, **TEXT)
    phone = fields.String(required=True, validate=validate.Regexp(r"^[0-9\-+ ,，/（）()转]{5,64}$",
                                                                 error="电话号码格式不正确"))
    departments = fields.List(fields.String(validate=validate.Length(min=1, max=32)), load_default=list,
                              validate=validate.Length(max=60))
    outpatient_hours = fields.String(required=True, **TEXT)
    emergency_hours = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                                    metadata={"description": "空 = 无急诊"})
    weekend_clinic = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    is_active = fields.Boolean(load_default=True)


class FacilityUpdateSchema(RequireChanges, FacilityWriteSchema):
    """The same fields except the code, each optional (loaded with partial=True)."""

    class Meta:
        exclude = ("code",)


class FacilitySchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "hospital 医院 | health_centre 社区卫生服务中心"})
    kind_label = fields.Function(lambda f: KINDS.get(f.kind, f.kind))
    level = fields.String()
    street = fields.Nested(PlaceRefSchema)
    address = fields.String()
    phone = fields.String()
    departments = fields.List(fields.String())
    outpatient_hours = fields.String()
    emergency_hours = fields.String(allow_none=True)
    weekend_clinic = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)


class FacilityStaffSchema(FacilitySchema):
    is_active = fields.Boolean()
    updated_at = fields.DateTime()


class FacilityStaffListSchema(Schema):
    items = fields.List(fields.Nested(FacilityStaffSchema))


class FacilityMatchSchema(FacilitySchema):
    distance_km = fields.Float(allow_none=True, metadata={"description": "到所在街道中心的直线距离"})
    matched_department = fields.String(allow_none=True)


class FacilitySearchArgs(Schema):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "想看什么，如“孩子发烧”“看牙”"})
    specialty = fields.String(validate=validate.Length(max=32), metadata={"description": "科室，如 儿科"})
    street = fields.String(validate=STREET_CODE.validate)
    weekend = fields.Boolean(load_default=False, metadata={"description": "只看周末有门诊的"})
    emergency = fields.Boolean(load_default=False, metadata={"description": "只看有急诊的"})
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class FacilitySearchSchema(Schema):
    specialty = fields.String(allow_none=True, metadata={"description": "按问题识别出的科室"})
    items = fields.List(fields.Nested(FacilityMatchSchema))
