"""Time limits (working days) per petition type and urgency, and the deadlines they give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.calendar.service import end_of_working_days


@dataclass(frozen=True)
class Limits:
    """Working days to accept (签收), reply (答复) and close (办结); 0 = by the end of the working day."""

    accept: int
    reply: int
    close: int


# Documented in docs/petitions.md; modelled on 12345 hotline practice.
LIMITS: dict[tuple[str, str], Limits] = {
    ("投诉", "normal"): Limits(1, 5, 15),
    ("投诉", "urgent"): Limits(0, 2, 7),
    ("求助", "normal"): Limits(1, 5, 15),
    ("求助", "urgent"): Limits(0, 1, 5),
    ("咨询", "normal"): Limits(1, 3, 10),
    ("咨询", "urgent"): Limits(0, 1, 5),
    ("建议", "normal"): Limits(2, 10, 20),
    ("建议", "urgent"): Limits(1, 5, 15),
    ("表扬", "normal"): Limits(2, 5, 15),
    ("表扬", "urgent"): Limits(2, 5, 15),
}
# A replied petition the resident does not rate is closed automatically after this many days.
AUTO_CLOSE_DAYS = 7


def limits_for(*, type: str, urgency: str) -> Limits:
    """The time limits of a type and urgency."""
    return LIMITS[(type, urgency)]


def compute(*, type: str, urgency: str, start: datetime) -> tuple[datetime, datetime, datetime]:
    """(accept_by, reply_by, close_by) for a petition whose clock starts at start."""
    limits = limits_for(type=type, urgency=urgency)
    return (
        end_of_working_days(start, limits.accept),
        end_of_working_days(start, limits.reply),
        end_of_working_days(start, limits.close),
    )
