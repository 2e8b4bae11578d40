"""Fields shared by the info domain's schemas."""

from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, fields, validate

from backend.calendar.service import BEIJING
from backend.core.validation import install_chinese_messages  # noqa: F401  (messages before fields)

# Input times without an offset are Beijing time; the range keeps conversions to UTC from overflowing.
_EARLIEST, _LATEST = datetime(2000, 1, 1, tzinfo=BEIJING), datetime(2100, 1, 1, tzinfo=BEIJING)


def local_datetime(**kwargs) -> fields.AwareDateTime:
    """An input date-time: ISO 8601, Beijing time when no offset is given, between 2000 and 2100."""
    return fields.AwareDateTime(default_timezone=BEIJING, validate=validate.Range(
        min=_EARLIEST, max=_LATEST, error="时间应在 2000 年到 2100 年之间"), **kwargs)


STREET_CODE = fields.String(validate=validate.Regexp(r"^[a-z_]{1,32}$", error="街道编码格式不正确"))


class StaleMixin(Schema):
    """Provider data: when it was fetched and whether it is older than it should be."""

    stale = fields.Boolean(metadata={"description": "true：数据源暂时无法更新，显示的是最近一次成功获取的数据"})
    updated_at = fields.DateTime(metadata={"description": "数据获取时间"})
