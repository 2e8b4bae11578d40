"""Open311 GeoReport v2: partner platforms file and follow petitions through the standard interface."""
