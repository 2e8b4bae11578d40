"""Weather: the worker's refresh job, and reading the cached weather of a street."""

from __future__ import annotations

import dataclasses
import logging

from flask import current_app

from backend.info import snapshots
from backend.info.places import DISTRICT, places
from integrations.weather import WeatherProvider, WeatherUnavailable

log = logging.getLogger(__name__)


def key(place_code: str) -> str:
    """The snapshot key of a place's weather."""
    return f"weather:{place_code}"


def provider() -> WeatherProvider:
    """The app's weather provider (QWeather, or whatever a test put in app.extensions['weather'])."""
    existing = current_app.extensions.get("weather")
    if existing is None:
        from integrations.weather.qweather import QWeatherClient

        settings = current_app.config["SETTINGS"]
        existing = current_app.extensions["weather"] = QWeatherClient(
            settings.qweather_api_base, settings.qweather_key, timeout=settings.provider_timeout)
    return existing


def max_age() -> float:
    """After this many seconds without a successful refresh the weather is stale (three missed refreshes)."""
    return 3 * current_app.config["SETTINGS"].weather_refresh_seconds


def refresh() -> dict[str, str]:
    """Periodic job: reads now, 3 days and warnings for the district and each street into the cache.

    The first failure ends the round — a provider that is down or hanging would otherwise cost the
    timeout once per place — and every place not refreshed keeps its last good data, marked failing.
    """
    source = provider()
    outcome: dict[str, str] = {}
    error: str | None = None
    for code, place in places().items():
        if error is None:
            try:
                payload = {
                    "now": dataclasses.asdict(source.now(place.location)),
                    "daily": [dataclasses.asdict(day) for day in source.forecast(place.location)],
                    "warnings": [dataclasses.asdict(item) for item in source.warnings(place.location)],
                }
            except WeatherUnavailable as exc:
                error = str(exc)
                log.warning("weather refresh failed at %s: %s", code, error)
            else:
                snapshots.store_success(key(code), payload)
                outcome[code] = "ok"
                continue
        snapshots.store_failure(key(code), error)
        outcome[code] = "failed"
    return outcome


def for_place(code: str | None) -> dict | None:
    """The cached weather of a street (the district's when unknown), or None when none was ever fetched."""
    code = code if code in places() else DISTRICT
    snapshot = snapshots.read(key(code), max_age=max_age())
    return render(code, snapshot)


def render(code: str, snapshot: snapshots.Snapshot | None) -> dict | None:
    """The weather body residents get from a snapshot."""
    if snapshot is None or not isinstance(snapshot.data, dict):
        return None
    place = places()[code]
    daily = snapshot.data.get("daily") or []
    return {
        "place": {"code": place.code, "name": place.name}, "now": snapshot.data.get("now"),
        "today": daily[0] if daily else None, "daily": daily, "warnings": snapshot.data.get("warnings") or [],
        "stale": snapshot.stale, "updated_at": snapshot.updated_at,
    }


def summary(weather: dict) -> str:
    """One line a resident reads: 东山街道 现在 多云 12℃，今天 8~17℃."""
    now, today = weather.get("now") or {}, weather.get("today") or {}
    parts = [f"{weather['place']['name']}现在{now.get('text', '')} {now['temp']:g}℃"] if now else []
    if today:
        parts.append(f"今天{today['text_day']}转{today['text_night']} {today['temp_min']:g}~{today['temp_max']:g}℃")
    return "，".join(parts)
