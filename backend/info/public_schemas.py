"""Schemas of the residents' info endpoints (home, weather, transit) and the bot's answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from backend.directory.schemas import PlaceRefSchema
from backend.info.notices.schemas import NoticePublicSchema
from backend.info.schemas import STREET_CODE, StaleMixin


class ObservationSchema(Schema):
    observed_at = fields.String()
    temp = fields.Float()
    feels_like = fields.Float()
    text = fields.String()
    icon = fields.String()
    wind_dir = fields.String()
    wind_scale = fields.String()
    humidity = fields.Integer()


class DailySchema(Schema):
    date = fields.String()
    temp_max = fields.Float()
    temp_min = fields.Float()
    text_day = fields.String()
    text_night = fields.String()
    precip = fields.Float()
    uv_index = fields.Integer()


class WarningSchema(Schema):
    id = fields.String()
    type_name = fields.String()
    level = fields.String(metadata={"description": "蓝色 | 黄色 | 橙色 | 红色"})
    title = fields.String()
    text = fields.String()
    sender = fields.String()
    start = fields.String(allow_none=True)
    end = fields.String(allow_none=True)


class WeatherSchema(StaleMixin):
    place = fields.Nested(PlaceRefSchema)
    now = fields.Nested(ObservationSchema)
    today = fields.Nested(DailySchema, allow_none=True)
    daily = fields.List(fields.Nested(DailySchema))
    warnings = fields.List(fields.Nested(WarningSchema))


class WeatherArgs(Schema):
    street = fields.String(validate=STREET_CODE.validate, metadata={"description": "街道编码；空 = 全区"})


class HomeNoticesSchema(Schema):
    items = fields.List(fields.Nested(NoticePublicSchema))
    unread = fields.Integer()


class HomeSchema(Schema):
    street = fields.Nested(PlaceRefSchema, allow_none=True)
    community = fields.Nested(PlaceRefSchema, allow_none=True)
    alerts = fields.List(fields.Dict(), metadata={"description": "应急发布（置顶）"})
    weather = fields.Nested(WeatherSchema, allow_none=True)
    notices = fields.Nested(HomeNoticesSchema)
    activities = fields.List(fields.Dict(), metadata={"description": "附近的志愿活动"})


class RouteSchema(Schema):
    route_id = fields.String()
    name = fields.String()
    long_name = fields.String()
    mode = fields.String(metadata={"description": "公交 | 地铁"})


class RouteListSchema(Schema):
    items = fields.List(fields.Nested(RouteSchema))


class StopRefSchema(Schema):
    stop_id = fields.String()
    name = fields.String()
    lat = fields.Float()
    lon = fields.Float()


class FirstLastSchema(Schema):
    direction_id = fields.Integer()
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()
    first = fields.String(metadata={"description": "首班 HH:MM"})
    last = fields.String(metadata={"description": "末班 HH:MM"})


class RouteDetailSchema(RouteSchema):
    directions = fields.List(fields.Nested(FirstLastSchema))
    stops = fields.List(fields.Nested(StopRefSchema))


class ArrivalSchema(Schema):
    route_id = fields.String()
    route = fields.String()
    headsign = fields.String()
    stop_id = fields.String()
    scheduled = fields.String()
    expected = fields.String()
    delay_minutes = fields.Integer()
    minutes_away = fields.Integer()
    realtime = fields.Boolean(metadata={"description": "true：已按实时数据修正"})


class RealtimeStateSchema(StaleMixin):
    pass


class ArrivalsSchema(Schema):
    stop = fields.Nested(StopRefSchema)
    items = fields.List(fields.Nested(ArrivalSchema))
    realtime = fields.Nested(RealtimeStateSchema, allow_none=True)


class ArrivalsArgs(Schema):
    stop = fields.String(required=True, validate=validate.Length(min=1, max=64))
    route = fields.String(validate=validate.Length(min=1, max=64))
    limit = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10))


class NearStopSchema(StopRefSchema):
    distance_m = fields.Integer()
    routes = fields.List(fields.String())


class NearStopsSchema(Schema):
    items = fields.List(fields.Nested(NearStopSchema))


class NearArgs(Schema):
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    lon = fields.Float(validate=validate.Range(min=-180, max=180))
    street = fields.String(validate=STREET_CODE.validate)
    place = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "站名或地名"})
    radius_m = fields.Integer(load_default=1500, validate=validate.Range(min=100, max=10000))
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))


class BotInfoArgs(Schema):
    sender_id = fields.String(load_default=None, validate=validate.Length(max=64))
    street = fields.String(load_default=None, validate=validate.Length(max=32))
    q = fields.String(load_default="", validate=validate.Length(max=1000))


class BotCardSchema(Schema):
    type = fields.String(metadata={"description": "weather | notice | hospital | transit"})
    code = fields.String()
    title = fields.String()
    subtitle = fields.String()


class BotInfoSchema(Schema):
    text = fields.String()
    cards = fields.List(fields.Nested(BotCardSchema))
    street = fields.String(allow_none=True, metadata={"description": "回答所依据的街道编码"})
