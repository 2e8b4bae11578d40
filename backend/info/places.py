"""Where the district and its streets are (centre coordinates), for weather locations and "near me" answers."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
DISTRICT = "jiangning_district"


@dataclass(frozen=True)
class Place:
    """A named point: the district or a street (code as in the directory)."""

    code: str
    name: str
    lon: float
    lat: float

    @property
    def location(self) -> str:
        """The "lon,lat" form providers take."""
        return f"{self.lon:.3f},{self.lat:.3f}"


@lru_cache(maxsize=1)
def places() -> dict[str, Place]:
    """The district and every street, by code."""
    with open(DATA / "places.tsv", encoding="utf-8") as handle:
        return {row["code"]: Place(row["code"], row["name"], float(row["lon"]), float(row["lat"]))
                for row in csv.DictReader(handle, delimiter="\t")}


def street_in_text(text: str) -> str | None:
    """The code of the first street named in the text (东山街道 or 东山), if any."""
    for code, place in places().items():
        if code != DISTRICT and (place.name in text or place.name.removesuffix("街道") in text):
            return code
    return None


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))
