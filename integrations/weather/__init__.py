"""Weather provider interface: current conditions, a 3-day forecast and weather warnings for a location.

The backend never calls a provider while answering a request: a worker job reads it into a cache
(backend/info/weather). `QWeatherClient` speaks QWeather's v7 API; `fake_server` serves the same protocol
on loopback for development and tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# QWeather's severityColor → the level residents know.
LEVELS = {"Blue": "蓝色", "Yellow": "黄色", "Orange": "橙色", "Red": "红色", "White": "白色", "Black": "黑色"}


class WeatherUnavailable(Exception):
    """The provider could not be reached, timed out, refused the request or answered something unreadable."""


@dataclass(frozen=True)
class Observation:
    """Conditions now."""

    observed_at: str
    temp: float
    feels_like: float
    text: str
    icon: str
    wind_dir: str
    wind_scale: str
    humidity: int


@dataclass(frozen=True)
class DailyForecast:
    """One day of the forecast."""

    date: str
    temp_max: float
    temp_min: float
    text_day: str
    text_night: str
    precip: float
    uv_index: int


@dataclass(frozen=True)
class WeatherWarning:
    """A weather warning in force (预警信号)."""

    id: str
    type_name: str
    level: str
    title: str
    text: str
    sender: str
    start: str | None
    end: str | None


class WeatherProvider(Protocol):
    """What the weather job needs from a provider; every method raises WeatherUnavailable on failure."""

    def now(self, location: str) -> Observation: ...

    def forecast(self, location: str) -> list[DailyForecast]: ...

    def warnings(self, location: str) -> list[WeatherWarning]: ...
