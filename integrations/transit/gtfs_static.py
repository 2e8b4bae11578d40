"""Reads a GTFS static feed (a directory or a .zip) into plain rows, checking what the importer relies on."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

REQUIRED = {
    "stops.txt": ("stop_id", "stop_name", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_short_name", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                     "start_date", "end_date"),
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class GtfsError(ValueError):
    """The feed is missing a file or a column, or a value is unreadable (the message says where)."""


def parse_time(value: str, where: str) -> int:
    """GTFS time "HH:MM:SS" (hours may pass 24 for trips after midnight) → seconds after midnight."""
    try:
        hours, minutes, seconds = (int(part) for part in value.strip().split(":"))
    except ValueError as exc:
        raise GtfsError(f"{where}: 时间格式不正确：{value!r}") from exc
    if not (0 <= minutes < 60 and 0 <= seconds < 60 and 0 <= hours < 48):
        raise GtfsError(f"{where}: 时间超出范围：{value!r}")
    return hours * 3600 + minutes * 60 + seconds


def _files(source: Path) -> dict[str, str]:
    if source.is_dir():
        return {p.name: p.read_text(encoding="utf-8-sig") for p in source.iterdir() if p.suffix == ".txt"}
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            return {Path(name).name: archive.read(name).decode("utf-8-sig")
                    for name in archive.namelist() if name.endswith(".txt")}
    raise GtfsError(f"{source}: 不是 GTFS 目录或 zip 文件")


def read_feed(source: str | Path) -> dict[str, list[dict]]:
    """Every file of the feed as a list of row dicts (keys stripped), after checking required files and columns."""
    path = Path(source)
    if not path.exists():
        raise GtfsError(f"{source}: 文件不存在")
    try:
        texts = _files(path)
    except (UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise GtfsError(f"{source}: 无法读取（{exc.__class__.__name__}）") from exc
    feed = {}
    for name, text in texts.items():
        reader = csv.DictReader(io.StringIO(text))
        feed[name] = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
        missing = [column for column in REQUIRED.get(name, ()) if column not in (reader.fieldnames or [])]
        if missing:
            raise GtfsError(f"{name}: 缺少列 {', '.join(missing)}")
    absent = [name for name in REQUIRED if name not in feed]
    if absent:
        raise GtfsError(f"缺少文件 {', '.join(absent)}")
    return feed
