"""GTFS-Realtime TripUpdates client (protobuf through gtfs-realtime-bindings)."""

from __future__ import annotations

import requests
from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2

from integrations.transit import TransitUnavailable, TripDelay, TripUpdates


class TripUpdatesClient:
    """Fetches and decodes one TripUpdates feed URL over a pooled session."""

    def __init__(self, url: str, timeout: float = 3.0):
        self.url = url
        self.timeout = timeout
        self._http = requests.Session()
        self._http.trust_env = False

    def fetch(self) -> TripUpdates:
        """The feed's delays now; raises TransitUnavailable on any failure."""
        try:
            response = self._http.get(self.url, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransitUnavailable(f"feed unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise TransitUnavailable(f"feed answered HTTP {response.status_code}")
        return decode(response.content)


def decode(raw: bytes) -> TripUpdates:
    """Decodes a FeedMessage; raises TransitUnavailable when the bytes are not one."""
    feed = gtfs_realtime_pb2.FeedMessage()
    try:
        feed.ParseFromString(raw)
    except (DecodeError, ValueError) as exc:
        raise TransitUnavailable("feed is not a GTFS-Realtime FeedMessage") from exc
    if not feed.HasField("header") or not feed.header.gtfs_realtime_version:
        raise TransitUnavailable("feed has no header")
    trips: dict[str, TripDelay] = {}
    for entity in feed.entity:
        if not entity.HasField("trip_update") or not entity.trip_update.trip.trip_id:
            continue
        update = entity.trip_update
        if update.trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.CANCELED:
            continue
        stops = {}
        for stop in update.stop_time_update:
            event = stop.arrival if stop.HasField("arrival") else stop.departure
            if stop.stop_id and event.HasField("delay"):
                stops[stop.stop_id] = event.delay
        # The trip's own delay when given, else the first stop's (the feed's nearest prediction).
        overall = update.delay if update.HasField("delay") else next(iter(stops.values()), 0)
        trips[update.trip.trip_id] = TripDelay(delay=overall, stops=stops)
    return TripUpdates(timestamp=int(feed.header.timestamp), trips=trips)
