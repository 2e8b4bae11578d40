"""`python -m integrations.fake_providers`: the fake weather API and the fake transit feed for development
(the Procfile's `providers` process), on 127.0.0.1:8011 and :8012 by default."""

from __future__ import annotations

import argparse
import threading

from integrations.transit.fake_feed import FakeTripUpdatesFeed
from integrations.weather.fake_server import FakeQWeatherServer


def main(argv: list[str] | None = None) -> None:
    """Serves both fakes until interrupted."""
    parser = argparse.ArgumentParser(description="Fake weather and transit providers for development")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--weather-port", type=int, default=8011)
    parser.add_argument("--transit-port", type=int, default=8012)
    parser.add_argument("--gtfs", default="backend/info/data/gtfs", help="GTFS feed whose trips get delays")
    args = parser.parse_args(argv)
    weather = FakeQWeatherServer(args.host, args.weather_port).start()
    feed = FakeTripUpdatesFeed(args.host, args.transit_port)
    trips = feed.load_gtfs(args.gtfs)
    feed.start()
    print(f"fake QWeather on {weather.url}; fake GTFS-Realtime on {feed.feed_url} ({trips} trips)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        weather.stop()
        feed.stop()


if __name__ == "__main__":
    main()
