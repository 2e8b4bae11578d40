"""QWeather (和风天气) v7 client: /v7/weather/now, /v7/weather/3d and /v7/warning/now.

The protocol: GET with `location` ("lon,lat" or a location id) and `key`; gzip-compressed JSON whose
`code` field says whether it worked ("200"; "204" no data; "400"/"401"/"402"/"403"/"404"/"429"/"500"
errors); every number is a string.
"""

from __future__ import annotations

import requests

from integrations.weather import (
    LEVELS,
    DailyForecast,
    Observation,
    WeatherUnavailable,
    WeatherWarning,
)


class QWeatherClient:
    """One pooled HTTP session against one QWeather API host."""

    def __init__(self, api_base: str, key: str, timeout: float = 3.0):
        self.api_base = api_base.rstrip("/")
        self.key = key
        self.timeout = timeout
        self._http = requests.Session()
        self._http.trust_env = False

    def now(self, location: str) -> Observation:
        """Current conditions at the location."""
        now = self._get("/v7/weather/now", location).get("now")
        if not isinstance(now, dict):
            raise WeatherUnavailable("qweather: no `now` in the answer")
        return _parse(lambda: Observation(
            observed_at=str(now["obsTime"]), temp=float(now["temp"]), feels_like=float(now["feelsLike"]),
            text=str(now["text"]), icon=str(now["icon"]), wind_dir=str(now["windDir"]),
            wind_scale=str(now["windScale"]), humidity=int(now["humidity"]),
        ))

    def forecast(self, location: str) -> list[DailyForecast]:
        """Today and the next two days."""
        daily = self._get("/v7/weather/3d", location).get("daily")
        if not isinstance(daily, list) or not daily:
            raise WeatherUnavailable("qweather: no `daily` in the answer")
        return _parse(lambda: [DailyForecast(
            date=str(day["fxDate"]), temp_max=float(day["tempMax"]), temp_min=float(day["tempMin"]),
            text_day=str(day["textDay"]), text_night=str(day["textNight"]), precip=float(day["precip"]),
            uv_index=int(day["uvIndex"]),
        ) for day in daily])

    def warnings(self, location: str) -> list[WeatherWarning]:
        """Warnings in force at the location (an empty list when there are none)."""
        items = self._get("/v7/warning/now", location, empty_ok=True).get("warning") or []
        if not isinstance(items, list):
            raise WeatherUnavailable("qweather: `warning` is not a list")
        return _parse(lambda: [WeatherWarning(
            id=str(item["id"]), type_name=str(item.get("typeName") or ""),
            level=LEVELS.get(str(item.get("severityColor") or ""), str(item.get("severityColor") or "")),
            title=str(item.get("title") or ""), text=str(item.get("text") or ""),
            sender=str(item.get("sender") or ""), start=item.get("startTime") or None, end=item.get("endTime") or None,
        ) for item in items if item.get("status", "active") != "cancel"])

    def _get(self, path: str, location: str, empty_ok: bool = False) -> dict:
        try:
            # requests asks for gzip and inflates it; QWeather always compresses.
            response = self._http.get(self.api_base + path, params={"location": location, "key": self.key},
                                      timeout=self.timeout)
        except requests.RequestException as exc:
            raise WeatherUnavailable(f"qweather unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise WeatherUnavailable(f"qweather answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise WeatherUnavailable("qweather answered something that is not JSON") from exc
        if not isinstance(body, dict):
            raise WeatherUnavailable("qweather answered an unexpected body")
        code = str(body.get("code"))
        if code == "200" or (empty_ok and code == "204"):
            return body
        raise WeatherUnavailable(f"qweather code {code}")


def _parse(build):
    try:
        return build()
    except (KeyError, TypeError, ValueError) as exc:
        raise WeatherUnavailable(f"qweather answered unreadable data: {exc.__class__.__name__}") from exc
