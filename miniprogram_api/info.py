"""Convenience information for residents: home feed, notices (with read markers), weather, transit, hospitals."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.security import current_principal, require_resident
from backend.core.validation import PageArgs  # noqa: F401  (Chinese messages before the schemas)
from backend.directory import service as directory
from backend.info import home, public_schemas
from backend.info.errors import InfoError
from backend.info.health import schemas as health_schemas
from backend.info.health import service as health
from backend.info.health.specialties import specialty_in_text
from backend.info.notices import schemas as notice_schemas
from backend.info.notices import service as notices
from backend.info.places import places
from backend.info.transit import service as transit
from backend.info.weather import service as weather
from backend.residents import service as residents

blp = Blueprint("mp_info", __name__, url_prefix="/api/mp", description="便民信息")
SECURITY = [{"bearerAuth": []}]


def _me():
    resident = residents.get(resident_id=current_principal().id)
    if resident is None:
        raise InfoError("not_found", "居民不存在，请重新登录")
    return resident


@blp.route("/home")
class Home(MethodView):
    @require_resident()
    @blp.response(200, public_schemas.HomeSchema)
    @blp.doc(security=SECURITY)
    def get(self):
        """Alerts, weather of my street, my street's and community's notices, activities near me"""
        body = home.build(resident_id=current_principal().id)
        if body is None:
            raise InfoError("not_found", "居民不存在，请重新登录")
        # Hot path: build() returns HomeSchema's JSON already (tests compare it with the schema's dump);
        # dumping it again through marshmallow cost more CPU than the rest of the request.
        return current_app.json.response(body)


@blp.route("/notices")
class Notices(MethodView):
    @require_resident()
    @blp.arguments(notice_schemas.NoticeListArgs, location="query")
    @blp.response(200, notice_schemas.NoticePublicPageSchema)
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Published notices: my community's, my street's and the district's first, then other streets'"""
        me = _me()
        street_filter = None
        if args.get("street"):
            street = directory.get_street_by_code(code=args["street"])
            if street is None:
                raise InfoError("invalid", "未知的街道", "street")
            street_filter = street.id
        items, total, unread = notices.for_resident(
            resident_id=me.id, street_id=me.street_id, community_id=me.community_id, mine_only=args["mine"],
            category=args.get("category"), street_filter=street_filter, page=args["page"], limit=args["limit"])
        return {"items": items, "total": total, "unread": unread}


@blp.route("/notices/<int:notice_id>/read")
class NoticeRead(MethodView):
    @require_resident()
    @blp.response(200, notice_schemas.NoticeReadSchema)
    @blp.doc(security=SECURITY)
    def post(self, notice_id):
        """Mark a notice as read (idempotent)"""
        notice = notices.get_visible(notice_id=notice_id)
        if notice is None:
            raise InfoError("not_found", "公告不存在或已下线")
        return {"id": notice.id, "read_at": notices.mark_read(notice=notice, resident_id=current_principal().id)}


@blp.route("/weather")
class Weather(MethodView):
    @blp.arguments(public_schemas.WeatherArgs, location="query")
    @blp.response(200, public_schemas.WeatherSchema)
    @blp.alt_response(503, description="尚未获取到天气数据")
    def get(self, args):
        """Weather now, 3 days and warnings of a street (the district's without one); stale data says so"""
        if args.get("street") and args["street"] not in places():
            raise InfoError("invalid", "未知的街道", "street")
        body = weather.for_place(args.get("street"))
        if body is None:
            from flask_smorest import abort

            abort(503, message="天气数据暂时还没有获取到，请稍后再试")
        return body


@blp.route("/transit/routes")
class Routes(MethodView):
    @blp.response(200, public_schemas.RouteListSchema)
    def get(self):
        """Bus and metro routes"""
        return {"items": [transit.route_public(r) for r in transit.routes()]}


@blp.route("/transit/routes/<string:route_id>")
class RouteDetail(MethodView):
    @blp.response(200, public_schemas.RouteDetailSchema)
    def get(self, route_id):
        """A route: its stops and, per direction, today's first and last departures"""
        route = transit.get_route(route_id)
        if route is None:
            raise InfoError("not_found", "找不到该线路")
        return {**transit.route_public(route), "directions": transit.first_last(route_id=route_id),
                "stops": transit.route_stops(route_id)}


@blp.route("/transit/arrivals")
class Arrivals(MethodView):
    @blp.arguments(public_schemas.ArrivalsArgs, location="query")
    @blp.response(200, public_schemas.ArrivalsSchema)
    def get(self, args):
        """Next departures at a stop (of one route, or of each), schedule corrected by realtime delays"""
        stop = transit.get_stop(args["stop"])
        if stop is None:
            raise InfoError("not_found", "找不到该站点")
        result = transit.next_arrivals(stop_ids=[stop.stop_id], route_id=args.get("route"), limit=args["limit"])
        return {"stop": stop, **result}


@blp.route("/transit/stops")
class NearStops(MethodView):
    @blp.arguments(public_schemas.NearArgs, location="query")
    @blp.response(200, public_schemas.NearStopsSchema)
    def get(self, args):
        """Stops near a point (lat+lon), a street (street) or a named place (place), nearest first"""
        lat, lon = args.get("lat"), args.get("lon")
        if lat is None or lon is None:
            lat = lon = None
            if args.get("street"):
                place = places().get(args["street"])
                if place is None:
                    raise InfoError("invalid", "未知的街道", "street")
                lat, lon = place.lat, place.lon
            elif args.get("place"):
                found = transit.stops_in_text(args["place"])
                if not found:
                    raise InfoError("not_found", "没有找到这个地点附近的站点", "place")
                lat, lon = found[0].lat, found[0].lon
            else:
                raise InfoError("invalid", "请提供经纬度（lat、lon）、街道（street）或地点（place）", "lat")
        return {"items": transit.stops_near(lat=lat, lon=lon, radius_km=args["radius_m"] / 1000, limit=args["limit"])}


@blp.route("/hospitals")
class Hospitals(MethodView):
    @blp.arguments(health_schemas.FacilitySearchArgs, location="query")
    @blp.response(200, health_schemas.FacilitySearchSchema)
    def get(self, args):
        """Hospitals and health centres: by specialty (or a question like “孩子发烧”), the street's own first"""
        specialty = args.get("specialty") or (specialty_in_text(args["q"]) if args.get("q") else None)
        items = health.find(specialty=specialty, street_code=args.get("street"), weekend=args["weekend"],
                            emergency=args["emergency"], limit=args["limit"])
        return {"specialty": specialty, "items": items}
