"""A fake GTFS-Realtime TripUpdates feed on loopback (protobuf, like a real feed).

`python -m integrations.transit.fake_feed --port 8012 --gtfs backend/info/data/gtfs` serves a delay of 0–5
minutes for every trip of that feed; tests set exact delays with `set_delays()`. `set_mode()` makes it fail.
"""

from __future__ import annotations

import hashlib
import json
import time

import requests
from google.transit import gtfs_realtime_pb2

from integrations.loopback import FakeHandler, FakeState, LoopbackServer

FEED_PATH = "/gtfs-rt/trip-updates"


class FeedState(FakeState):
    def __init__(self):
        super().__init__()
        # trip_id → {"delay": seconds, "stops": {stop_id: seconds}}
        self.trips: dict[str, dict] = {}


def build_feed(trips: dict[str, dict], timestamp: int | None = None) -> bytes:
    """A serialised FeedMessage with one TripUpdate per trip."""
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    feed.header.timestamp = int(timestamp or time.time())
    for number, (trip_id, info) in enumerate(sorted(trips.items()), 1):
        entity = feed.entity.add()
        entity.id = f"tu-{number}"
        update = entity.trip_update
        update.trip.trip_id = trip_id
        if info.get("canceled"):
            update.trip.schedule_relationship = gtfs_realtime_pb2.TripDescriptor.CANCELED
            continue
        update.delay = int(info.get("delay", 0))
        for stop_id, delay in (info.get("stops") or {}).items():
            stop = update.stop_time_update.add()
            stop.stop_id = stop_id
            stop.arrival.delay = int(delay)
    return feed.SerializeToString()


class _Handler(FakeHandler):
    server_version = "FakeGtfsRt/1.0"
    routes = {FEED_PATH: "trip_updates"}

    def trip_updates(self, error: bool) -> None:
        if error:  # a feed has no error code of its own: a server error is what clients see
            return self.send_body(b"upstream unavailable", "text/plain", status=503)
        with self.state.lock:
            trips = dict(self.state.trips)
        self.send_body(build_feed(trips), "application/x-protobuf")

    def do_POST(self):  # noqa: N802
        if self.path.startswith("/_fake/delays"):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with self.state.lock:
                self.state.trips = dict(body.get("trips") or {})
            return self.send_json({"count": len(self.state.trips)})
        return super().do_POST()


class FakeTripUpdatesFeed(LoopbackServer):
    """The fake feed; its URL for clients is `feed_url`."""

    handler = _Handler

    def make_state(self) -> FeedState:
        return FeedState()

    @property
    def feed_url(self) -> str:
        return self.url + FEED_PATH

    def set_delays(self, trips: dict[str, dict]) -> None:
        """Replaces the feed's content: {trip_id: {"delay": s, "stops": {stop_id: s}, "canceled"?: bool}}."""
        requests.post(self.url + "/_fake/delays", json={"trips": trips}, timeout=5).raise_for_status()

    def load_gtfs(self, source: str) -> int:
        """Gives every trip of a GTFS feed a steady pseudo-random delay of 0–5 minutes; returns the count."""
        from integrations.transit.gtfs_static import read_feed

        trips = {row["trip_id"]: {"delay": int(hashlib.sha256(row["trip_id"].encode()).hexdigest()[:4], 16) % 301}
                 for row in read_feed(source)["trips.txt"]}
        with self.state.lock:
            self.state.trips = trips
        return len(trips)


def main(argv: list[str] | None = None) -> None:
    """Command line: serve the fake feed until interrupted."""
    import argparse

    parser = argparse.ArgumentParser(description="Fake GTFS-Realtime TripUpdates feed")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8012)
    parser.add_argument("--gtfs", help="a GTFS static feed whose trips get delays")
    args = parser.parse_args(argv)
    server = FakeTripUpdatesFeed(args.host, args.port)
    count = server.load_gtfs(args.gtfs) if args.gtfs else 0
    print(f"fake GTFS-Realtime feed on {server.feed_url} ({count} trips)", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
