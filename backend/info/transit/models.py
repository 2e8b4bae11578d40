"""The GTFS static feed as imported: stops, routes, trips, stop times, service calendars."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db


class TransitStop(db.Model):
    __tablename__ = "transit_stops"

    stop_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class TransitRoute(db.Model):
    __tablename__ = "transit_routes"

    route_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    short_name: Mapped[str] = mapped_column(String(64))
    long_name: Mapped[str] = mapped_column(String(200), default="")
    # GTFS route_type: 0 tram, 1 metro, 2 rail, 3 bus…
    route_type: Mapped[int] = mapped_column(Integer)


class TransitService(db.Model):
    __tablename__ = "transit_services"

    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Seven characters, Monday first: "1111100" runs on weekdays.
    weekdays: Mapped[str] = mapped_column(String(7))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class TransitTrip(db.Model):
    __tablename__ = "transit_trips"

    trip_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    route_id: Mapped[str] = mapped_column(ForeignKey("transit_routes.route_id", ondelete="CASCADE"), index=True)
    service_id: Mapped[str] = mapped_column(String(64))
    headsign: Mapped[str] = mapped_column(String(100), default="")
    direction_id: Mapped[int] = mapped_column(Integer, default=0)


class TransitStopTime(db.Model):
    __tablename__ = "transit_stop_times"

    trip_id: Mapped[str] = mapped_column(ForeignKey("transit_trips.trip_id", ondelete="CASCADE"), primary_key=True)
    stop_sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    stop_id: Mapped[str] = mapped_column(ForeignKey("transit_stops.stop_id", ondelete="CASCADE"))
    # Seconds after midnight of the service day (may pass 86,400 for trips after midnight).
    arrival_seconds: Mapped[int] = mapped_column(Integer)
    departure_seconds: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_transit_stop_times_stop_departure", "stop_id", "departure_seconds"),)
