"""Transit: the GTFS static schedule in the database, realtime delays from the feed's cache."""
