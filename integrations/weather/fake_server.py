"""A fake QWeather v7 server on loopback: fixed data, gzip, string values and the `code` field, like the real one.

`python -m integrations.weather.fake_server --port 8011` for development (the Procfile's `providers` runs it
with the fake transit feed), or `FakeQWeatherServer()` as a context manager in tests. `set_mode()` makes it
answer 500, garbage, nothing for a while, or QWeather's own error code "402" (over quota).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import requests

from integrations.loopback import FakeHandler, FakeState, LoopbackServer

FAKE_KEY = "fake-qweather-key-for-development"
CST = timezone(timedelta(hours=8))
REFER = {"sources": ["QWeather"], "license": ["QWeather Developers License"]}
SKIES = [("多云", "101"), ("晴", "100"), ("小雨", "305"), ("阴", "104"), ("阵雨", "300")]
DEFAULT_WARNINGS = [{
    "id": "10132011520261202080000000000001", "sender": "南京市江宁区气象台",
    "title": "南京市江宁区气象台发布大风蓝色预警", "status": "active", "level": "", "severity": "Minor",
    "severityColor": "Blue", "type": "1006", "typeName": "大风", "urgency": "", "certainty": "",
    "text": "江宁区气象台发布大风蓝色预警信号：预计今天白天到夜里我区将出现6级以上阵风，请注意防范。",
}]


def _qtime(moment: datetime) -> str:
    """QWeather's time format: 2026-12-02T08:00+08:00."""
    return moment.astimezone(CST).strftime("%Y-%m-%dT%H:%M") + "+08:00"


class WeatherState(FakeState):
    def __init__(self, key: str):
        super().__init__()
        self.key = key
        self.warnings = [dict(item) for item in DEFAULT_WARNINGS]


class _Handler(FakeHandler):
    server_version = "FakeQWeather/1.0"
    routes = {"/v7/weather/now": "weather_now", "/v7/weather/3d": "weather_3d", "/v7/warning/now": "warning_now"}

    def send_qweather(self, body: dict) -> None:
        raw = gzip.compress(json.dumps(body, ensure_ascii=False).encode())
        self.send_body(raw, "application/json", headers={"Content-Encoding": "gzip"})

    def _checked(self, error: bool) -> str | None:
        """The location when the request is acceptable; otherwise answers QWeather's error and returns None."""
        query = self.query()
        if error:
            self.send_qweather({"code": "402"})
            return None
        if query.get("key") != self.state.key:
            self.send_qweather({"code": "401"})
            return None
        if not query.get("location"):
            self.send_qweather({"code": "400"})
            return None
        return query["location"]

    def weather_now(self, error: bool) -> None:
        location = self._checked(error)
        if location is None:
            return
        seed = _seed(location)
        now = datetime.now(UTC)
        text, icon = SKIES[seed % len(SKIES)]
        temp = 8 + seed % 9
        self.send_qweather({
            "code": "200", "updateTime": _qtime(now), "fxLink": "https://www.qweather.com/",
            "now": {"obsTime": _qtime(now - timedelta(minutes=10)), "temp": str(temp), "feelsLike": str(temp - 2),
                    "icon": icon, "text": text, "wind360": "45", "windDir": "东北风", "windScale": "3",
                    "windSpeed": "15", "humidity": str(55 + seed % 30), "precip": "0.0", "pressure": "1021",
                    "vis": "16", "cloud": "20", "dew": "2"},
            "refer": REFER,
        })

    def weather_3d(self, error: bool) -> None:
        location = self._checked(error)
        if location is None:
            return
        seed = _seed(location)
        today = datetime.now(CST).date()
        days = []
        for offset in range(3):
            text, icon = SKIES[(seed + offset) % len(SKIES)]
            night, night_icon = SKIES[(seed + offset + 1) % len(SKIES)]
            days.append({
                "fxDate": (today + timedelta(days=offset)).isoformat(), "sunrise": "06:52", "sunset": "17:02",
                "moonrise": "", "moonset": "", "moonPhase": "", "moonPhaseIcon": "",
                "tempMax": str(14 + (seed + offset) % 6), "tempMin": str(4 + (seed + offset) % 4),
                "iconDay": icon, "textDay": text, "iconNight": night_icon, "textNight": night,
                "wind360Day": "45", "windDirDay": "东北风", "windScaleDay": "3-4", "windSpeedDay": "16",
                "wind360Night": "0", "windDirNight": "北风", "windScaleNight": "1-3", "windSpeedNight": "3",
                "humidity": "65", "precip": "1.0" if "雨" in text else "0.0", "pressure": "1020", "vis": "24",
                "cloud": "25", "uvIndex": str(2 + offset),
            })
        self.send_qweather({"code": "200", "updateTime": _qtime(datetime.now(UTC)), "daily": days, "refer": REFER})

    def warning_now(self, error: bool) -> None:
        if self._checked(error) is None:
            return
        now = datetime.now(UTC)
        with self.state.lock:
            items = [dict(item) for item in self.state.warnings]
        for item in items:
            item.setdefault("pubTime", _qtime(now - timedelta(hours=1)))
            item.setdefault("startTime", _qtime(now - timedelta(hours=1)))
            item.setdefault("endTime", _qtime(now + timedelta(hours=12)))
        self.send_qweather({"code": "200", "updateTime": _qtime(now), "warning": items, "refer": REFER})

    def do_POST(self):  # noqa: N802
        if self.path.startswith("/_fake/warnings"):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with self.state.lock:
                self.state.warnings = list(body.get("items") or [])
            return self.send_json({"count": len(self.state.warnings)})
        return super().do_POST()


def _seed(location: str) -> int:
    return int(hashlib.sha256(location.encode()).hexdigest()[:6], 16)


class FakeQWeatherServer(LoopbackServer):
    """The fake QWeather API; `with FakeQWeatherServer() as fake: QWeatherClient(fake.url, fake.key)`."""

    handler = _Handler

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, key: str = FAKE_KEY):
        self._key = key
        super().__init__(host, port)

    def make_state(self) -> WeatherState:
        return WeatherState(self._key)

    @property
    def key(self) -> str:
        return self.state.key

    def set_warnings(self, items: list[dict]) -> None:
        """Replaces the warnings in force (QWeather's `warning` items, times filled in when absent)."""
        requests.post(self.url + "/_fake/warnings", json={"items": items}, timeout=5).raise_for_status()


def main(argv: list[str] | None = None) -> None:
    """Command line: serve the fake until interrupted."""
    import argparse

    parser = argparse.ArgumentParser(description="Fake QWeather v7 server for development and tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8011)
    args = parser.parse_args(argv)
    server = FakeQWeatherServer(args.host, args.port)
    print(f"fake QWeather on {server.url} (key {server.key})", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()

