"""`flask transit import <dir|zip>`: replaces the schedule with a GTFS static feed, in one transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, insert

from backend.audit import service as audit
from backend.extensions import db
from backend.info.transit.models import TransitRoute, TransitService, TransitStop, TransitStopTime, TransitTrip
from integrations.transit.gtfs_static import WEEKDAYS, GtfsError, parse_time, read_feed

BATCH = 2000


def _date(value: str, where: str) -> date:
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError as exc:
        raise GtfsError(f"{where}: 日期格式不正确：{value!r}") from exc


def _float(value: str, where: str) -> float:
    try:
        return float(value)
    except ValueError as exc:
        raise GtfsError(f"{where}: 不是数字：{value!r}") from exc


def _int(value: str, where: str, default: int | None = None) -> int:
    if value == "" and default is not None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise GtfsError(f"{where}: 不是整数：{value!r}") from exc


def rows_of(feed: dict[str, list[dict]]) -> dict[type, list[dict]]:
    """The feed's rows as table rows, every reference checked (raises GtfsError naming file and line)."""
    stops = [{"stop_id": r["stop_id"], "name": r["stop_name"], "lat": _float(r["stop_lat"], f"stops.txt:{n}"),
              "lon": _float(r["stop_lon"], f"stops.txt:{n}")} for n, r in enumerate(feed["stops.txt"], 2)]
    routes = [{"route_id": r["route_id"], "short_name": r["route_short_name"] or r.get("route_long_name", ""),
               "long_name": r.get("route_long_name", ""), "route_type": _int(r["route_type"], f"routes.txt:{n}")}
              for n, r in enumerate(feed["routes.txt"], 2)]
    services = [{"service_id": r["service_id"], "weekdays": "".join("1" if r[d] == "1" else "0" for d in WEEKDAYS),
                 "start_date": _date(r["start_date"], f"calendar.txt:{n}"),
                 "end_date": _date(r["end_date"], f"calendar.txt:{n}")} for n, r in enumerate(feed["calendar.txt"], 2)]
    route_ids, service_ids = {r["route_id"] for r in routes}, {s["service_id"] for s in services}
    trips = []
    for n, r in enumerate(feed["trips.txt"], 2):
        if r["route_id"] not in route_ids:
            raise GtfsError(f"trips.txt:{n}: 线路 {r['route_id']} 不存在")
        if r["service_id"] not in service_ids:
            raise GtfsError(f"trips.txt:{n}: 服务日历 {r['service_id']} 不存在")
        trips.append({"trip_id": r["trip_id"], "route_id": r["route_id"], "service_id": r["service_id"],
                      "headsign": r.get("trip_headsign", ""), "direction_id": _int(r.get("direction_id", ""),
                                                                                   f"trips.txt:{n}", 0)})
    trip_ids, stop_ids = {t["trip_id"] for t in trips}, {s["stop_id"] for s in stops}
    times = []
    for n, r in enumerate(feed["stop_times.txt"], 2):
        where = f"stop_times.txt:{n}"
        if r["trip_id"] not in trip_ids:
            raise GtfsError(f"{where}: 班次 {r['trip_id']} 不存在")
        if r["stop_id"] not in stop_ids:
            raise GtfsError(f"{where}: 站点 {r['stop_id']} 不存在")
        arrival = parse_time(r["arrival_time"] or r["departure_time"], where)
        times.append({"trip_id": r["trip_id"], "stop_sequence": _int(r["stop_sequence"], where),
                      "stop_id": r["stop_id"], "arrival_seconds": arrival,
                      "departure_seconds": parse_time(r["departure_time"], where) if r["departure_time"] else arrival})
    return {TransitStop: stops, TransitRoute: routes, TransitService: services, TransitTrip: trips,
            TransitStopTime: times}


def import_feed(source: str, *, actor=None) -> dict[str, int]:
    """Reads, checks and loads a feed, replacing the previous one (commits, audited); returns counts per table."""
    tables = rows_of(read_feed(source))
    for model in (TransitStopTime, TransitTrip, TransitService, TransitRoute, TransitStop):
        db.session.execute(delete(model))
    for model, rows in tables.items():
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(model), rows[start:start + BATCH])
    counts = {model.__tablename__: len(rows) for model, rows in tables.items()}
    audit.record(actor=actor, action="import", subject_type="transit_feed", subject_id="gtfs",
                 detail={"source": str(source), **counts})
    db.session.commit()
    return counts
