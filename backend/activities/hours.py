"""Service hours by the 志愿服务记录 rule: whole hours of presence, plus the started hour rounded to 0, ½ or 1."""

from __future__ import annotations

from datetime import datetime

QUARTER, THREE_QUARTERS = 15 * 60, 45 * 60


def half_hours(seconds: float) -> int:
    """Half hours credited for `seconds` of presence: each whole hour is 2; the rest ≤ 15 min → 0,
    15–45 min → 1 (half an hour), ≥ 45 min → 2 (a whole hour)."""
    seconds = max(int(seconds), 0)
    whole, rest = divmod(seconds, 3600)
    if rest <= QUARTER:
        extra = 0
    elif rest < THREE_QUARTERS:
        extra = 1
    else:
        extra = 2
    return whole * 2 + extra


def presence_seconds(checked_in: datetime, checked_out: datetime, starts: datetime, ends: datetime) -> float:
    """Seconds of presence inside the activity's window (arriving early or leaving late earns nothing)."""
    begin, end = max(checked_in, starts), min(checked_out, ends)
    return max((end - begin).total_seconds(), 0.0)
