"""Transit data: GTFS static feeds (read by `flask transit import`) and GTFS-Realtime TripUpdates (read by a
worker job into a cache). `gtfs_static` reads a feed; `realtime` is the TripUpdates client; `fake_feed`
serves TripUpdates on loopback for development and tests."""

from __future__ import annotations

from dataclasses import dataclass, field


class TransitUnavailable(Exception):
    """The realtime feed could not be reached, timed out or answered something that is not a feed."""


@dataclass
class TripDelay:
    """The latest delay of one trip (seconds, + late / − early) and per-stop delays where the feed gives them."""

    delay: int = 0
    stops: dict[str, int] = field(default_factory=dict)


@dataclass
class TripUpdates:
    """One fetch of a TripUpdates feed."""

    timestamp: int
    trips: dict[str, TripDelay]
