"""Working-day arithmetic in Beijing time over the holiday calendar."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as dtime

from sqlalchemy import select

from backend.calendar.models import CalendarDay
from backend.extensions import database_key, db

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
CACHE_SECONDS = 300.0

_cache: dict[str, tuple[float, dict[date, bool]]] = {}
_lock = threading.Lock()


def exceptions() -> dict[date, bool]:
    """Days that break the Monday–Friday rule (date → is_working), cached for a few minutes."""
    key = database_key()
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    days = {row.day: row.is_working for row in db.session.scalars(select(CalendarDay))}
    with _lock:
        _cache[key] = (time.monotonic() + CACHE_SECONDS, days)
    return days


def invalidate() -> None:
    """Forgets the cached calendar (after the seed or an edit)."""
    with _lock:
        _cache.clear()


def is_working_day(day: date, table: dict[date, bool] | None = None) -> bool:
    """True for a working day: Monday–Friday unless a holiday, or an adjusted working weekend day."""
    table = exceptions() if table is None else table
    if day in table:
        return table[day]
    return day.weekday() < 5


def local_date(moment: datetime) -> date:
    """The date in Beijing of an aware datetime."""
    return moment.astimezone(BEIJING).date()


def end_of_working_days(start: datetime, days: int) -> datetime:
    """End (24:00 Beijing) of the days-th working day after start's date; 0 = the first working day from it."""
    table = exceptions()
    day = local_date(start)
    if days == 0:
        while not is_working_day(day, table):
            day += timedelta(days=1)
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, table):
            remaining -= 1
    end = datetime.combine(day + timedelta(days=1), dtime(0, 0), tzinfo=BEIJING)
    return end.astimezone(UTC)


def add_working_days(deadline: datetime, days: int) -> datetime:
    """Moves a deadline (an end of day) later by a number of working days."""
    table = exceptions()
    day = local_date(deadline - timedelta(seconds=1))
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, table):
            remaining -= 1
    return datetime.combine(day + timedelta(days=1), dtime(0, 0), tzinfo=BEIJING).astimezone(UTC)


def working_days_left(now: datetime, deadline: datetime) -> int:
    """Working days from today through the deadline's day (Beijing), today included; 0 once it has passed."""
    if deadline <= now:
        return 0
    table = exceptions()
    day, last = local_date(now), local_date(deadline - timedelta(seconds=1))
    count = 0
    while day <= last:
        count += is_working_day(day, table)
        day += timedelta(days=1)
    return count
