"""Worker jobs of the info domain: refreshing the weather and the transit feed caches."""

from __future__ import annotations

from backend.settings import Settings
from backend.worker.periodic import register_periodic


def register_jobs(settings: Settings) -> None:
    """Weather every WEATHER_REFRESH_SECONDS, the realtime transit feed every TRANSIT_REFRESH_SECONDS (exclusive:
    one worker of the fleet per interval)."""
    register_periodic("info.weather", "backend.info.weather.service:refresh", settings.weather_refresh_seconds)
    register_periodic("info.transit_feed", "backend.info.transit.service:refresh", settings.transit_refresh_seconds)
