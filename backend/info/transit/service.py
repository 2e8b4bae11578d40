"""Transit answers: next arrivals of a route at a stop (schedule + realtime delays), stops near a place, first
and last departures of a route; and the worker job that reads the realtime feed into the cache."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime

from flask import current_app
from sqlalchemy import and_, func, select

from backend.calendar.service import BEIJING
from backend.core.models import utcnow
from backend.extensions import db
from backend.info import snapshots
from backend.info.places import distance_km
from backend.info.transit.models import TransitRoute, TransitService, TransitStop, TransitStopTime, TransitTrip
from integrations.transit import TransitUnavailable

log = logging.getLogger(__name__)
REALTIME_KEY = "transit:trip_updates"
# Scheduled departures this far in the past are still asked for: a late bus may not have left yet.
LOOKBACK_SECONDS = 20 * 60
HORIZON_SECONDS = 3 * 3600
ROUTE_TYPES = {0: "有轨电车", 1: "地铁", 2: "铁路", 3: "公交"}


# ---- realtime feed -------------------------------------------------------------------------------------------

def feed_client():
    """The app's TripUpdates client (tests may put another in app.extensions['transit_feed'])."""
    existing = current_app.extensions.get("transit_feed")
    if existing is None:
        from integrations.transit.realtime import TripUpdatesClient

        settings = current_app.config["SETTINGS"]
        existing = current_app.extensions["transit_feed"] = TripUpdatesClient(
            settings.gtfs_rt_url, timeout=settings.provider_timeout)
    return existing


def max_age() -> float:
    """Realtime delays older than this (three missed refreshes) are stale."""
    return 3 * current_app.config["SETTINGS"].transit_refresh_seconds


def refresh() -> str:
    """Periodic job: reads the TripUpdates feed into the cache; a failure keeps the last good delays."""
    try:
        updates = feed_client().fetch()
    except TransitUnavailable as exc:
        log.warning("transit feed refresh failed: %s", exc)
        snapshots.store_failure(REALTIME_KEY, str(exc))
        return "failed"
    snapshots.store_success(REALTIME_KEY, {
        "timestamp": updates.timestamp,
        "trips": {trip_id: [d.delay, d.stops] for trip_id, d in updates.trips.items()},
    })
    return "ok"


# ---- schedule ------------------------------------------------------------------------------------------------

def local_now() -> datetime:
    """Now in Beijing time (the schedule's time zone)."""
    return utcnow().astimezone(BEIJING)


def _active_services(day: date) -> list[str]:
    rows = db.session.execute(select(TransitService.service_id, TransitService.weekdays).where(
        TransitService.start_date <= day, TransitService.end_date >= day))
    return [service_id for service_id, weekdays in rows if weekdays[day.weekday()] == "1"]


def _clock(seconds: int) -> str:
    seconds %= 86400
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def get_stop(stop_id: str) -> TransitStop | None:
    """A stop by id."""
    return db.session.get(TransitStop, stop_id)


def get_route(route_id: str) -> TransitRoute | None:
    """A route by id."""
    return db.session.get(TransitRoute, route_id)


def routes() -> list[TransitRoute]:
    """Every route, metro first, then by name."""
    return list(db.session.scalars(select(TransitRoute).order_by(TransitRoute.route_type, TransitRoute.route_id)))


def route_public(route: TransitRoute) -> dict:
    """A route as residents see it."""
    return {"route_id": route.route_id, "name": route.short_name, "long_name": route.long_name,
            "mode": ROUTE_TYPES.get(route.route_type, "公交")}


def next_arrivals(*, stop_ids: list[str], route_id: str | None = None, limit: int = 3,
                  now: datetime | None = None) -> dict:
    """The next departures at the stops (of one route, or of each route), scheduled time plus the feed's
    delay; {"items": [...], "realtime": {"stale", "updated_at"} | None}."""
    now = (now or local_now()).astimezone(BEIJING)
    day, now_s = now.date(), now.hour * 3600 + now.minute * 60 + now.second
    services = _active_services(day)
    query = (
        select(TransitStopTime.trip_id, TransitStopTime.stop_id, TransitStopTime.departure_seconds,
               TransitTrip.route_id, TransitTrip.headsign, TransitTrip.direction_id)
        .join(TransitTrip, TransitTrip.trip_id == TransitStopTime.trip_id)
        .where(TransitStopTime.stop_id.in_(stop_ids), TransitTrip.service_id.in_(services),
               TransitStopTime.departure_seconds.between(now_s - LOOKBACK_SECONDS, now_s + HORIZON_SECONDS))
        .order_by(TransitStopTime.departure_seconds)
    )
    if route_id:
        query = query.where(TransitTrip.route_id == route_id)
    snapshot = snapshots.read(REALTIME_KEY, max_age=max_age())
    delays = (snapshot.data or {}).get("trips", {}) if snapshot else {}
    per_route: dict[tuple, int] = {}
    items = []
    for trip_id, stop_id, departure, trip_route, headsign, direction in db.session.execute(query):
        known = delays.get(trip_id)
        delay = 0
        if known:
            delay = int(known[1].get(stop_id, known[0])) if isinstance(known, list) and len(known) == 2 else 0
        expected = departure + delay
        if expected < now_s:
            continue
        slot = (trip_route, direction)
        if per_route.get(slot, 0) >= limit:
            continue
        per_route[slot] = per_route.get(slot, 0) + 1
        items.append({"route_id": trip_route, "headsign": headsign, "stop_id": stop_id, "trip_id": trip_id,
                      "scheduled": _clock(departure), "expected": _clock(expected),
                      "delay_minutes": round(delay / 60), "realtime": known is not None,
                      "minutes_away": max(0, (expected - now_s) // 60)})
    items.sort(key=lambda item: item["minutes_away"])
    names = {r.route_id: r.short_name for r in routes()}
    for item in items:
        item["route"] = names.get(item["route_id"], item["route_id"])
    realtime = {"stale": snapshot.stale, "updated_at": snapshot.updated_at} if snapshot else None
    return {"items": items, "realtime": realtime}


def stops_near(*, lat: float, lon: float, radius_km: float = 2.0, limit: int = 5) -> list[dict]:
    """Stops within the radius, nearest first, with the routes that serve each."""
    dlat, dlon = radius_km / 111.0, radius_km / 94.0
    candidates = db.session.scalars(select(TransitStop).where(
        TransitStop.lat.between(lat - dlat, lat + dlat), TransitStop.lon.between(lon - dlon, lon + dlon)))
    near = sorted(((distance_km(lon, lat, s.lon, s.lat), s) for s in candidates), key=lambda pair: pair[0])
    near = [(d, s) for d, s in near if d <= radius_km][:limit]
    serving = _routes_at([s.stop_id for _, s in near])
    return [{"stop_id": s.stop_id, "name": s.name, "lat": s.lat, "lon": s.lon, "distance_m": int(d * 1000),
             "routes": serving.get(s.stop_id, [])} for d, s in near]


def _routes_at(stop_ids: list[str]) -> dict[str, list[str]]:
    if not stop_ids:
        return {}
    rows = db.session.execute(
        select(TransitStopTime.stop_id, TransitRoute.short_name).distinct()
        .join(TransitTrip, TransitTrip.trip_id == TransitStopTime.trip_id)
        .join(TransitRoute, TransitRoute.route_id == TransitTrip.route_id)
        .where(TransitStopTime.stop_id.in_(stop_ids)).order_by(TransitRoute.short_name))
    found: dict[str, list[str]] = {}
    for stop_id, name in rows:
        found.setdefault(stop_id, []).append(name)
    return found


def first_last(*, route_id: str, day: date | None = None) -> list[dict]:
    """Per direction: the first stop, the terminus, and the first and last departures from the first stop on the day."""
    day = day or local_now().date()
    trips = (select(TransitTrip.trip_id, TransitTrip.direction_id, TransitTrip.headsign)
             .where(TransitTrip.route_id == route_id, TransitTrip.service_id.in_(_active_services(day))).subquery())
    firsts = (select(TransitStopTime.trip_id, func.min(TransitStopTime.stop_sequence).label("seq"))
              .join(trips, trips.c.trip_id == TransitStopTime.trip_id).group_by(TransitStopTime.trip_id).subquery())
    rows = db.session.execute(
        select(trips.c.direction_id, trips.c.headsign, TransitStopTime.stop_id,
               func.min(TransitStopTime.departure_seconds), func.max(TransitStopTime.departure_seconds))
        .join(firsts, and_(firsts.c.trip_id == TransitStopTime.trip_id, firsts.c.seq == TransitStopTime.stop_sequence))
        .join(trips, trips.c.trip_id == TransitStopTime.trip_id)
        .group_by(trips.c.direction_id, trips.c.headsign, TransitStopTime.stop_id)
        .order_by(trips.c.direction_id))
    result = []
    for direction, headsign, stop_id, first, last in rows:
        stop = get_stop(stop_id)
        result.append({"direction_id": direction, "from": stop.name if stop else stop_id, "to": headsign,
                       "first": _clock(first), "last": _clock(last)})
    return result


def route_stops(route_id: str, direction_id: int = 0) -> list[TransitStop]:
    """The stops of a route in order (from its first trip in that direction)."""
    trip_id = db.session.scalar(select(TransitTrip.trip_id).where(
        TransitTrip.route_id == route_id, TransitTrip.direction_id == direction_id).order_by(TransitTrip.trip_id))
    if trip_id is None:
        return []
    return list(db.session.scalars(select(TransitStop).join(
        TransitStopTime, TransitStopTime.stop_id == TransitStop.stop_id).where(
        TransitStopTime.trip_id == trip_id).order_by(TransitStopTime.stop_sequence)))


# ---- text (the bot) ------------------------------------------------------------------------------------------

_BUS = re.compile(r"(?:江宁)?\s*(\d{1,3})\s*路")
_METRO = re.compile(r"(?:地铁|轨交|轨道交通)?\s*(\d{1,2})\s*号线|地铁")


def routes_in_text(text: str) -> list[TransitRoute]:
    """Routes named in a question: "江宁5路", "5路", "地铁1号线", "地铁"."""
    found = []
    by_name = {r.short_name: r for r in routes()}
    for number in _BUS.findall(text):
        route = by_name.get(f"江宁{number}路") or by_name.get(f"{number}路")
        if route and route not in found:
            found.append(route)
    for match in _METRO.finditer(text):
        number = match.group(1) or "1"
        route = by_name.get(f"地铁{number}号线")
        if route and route not in found:
            found.append(route)
    return found


def stops_in_text(text: str) -> list[TransitStop]:
    """Stops named in a question, longest names first (地铁站 names without their line suffix too)."""
    found: list[TransitStop] = []
    stops = sorted(db.session.scalars(select(TransitStop)), key=lambda s: -len(s.name))
    taken = text
    for stop in stops:
        name = re.sub(r"（.*?）$", "", stop.name)
        if len(name) >= 2 and name in taken:
            found.append(stop)
    return found
