"""The activities domain's periodic job: the day-before reminders."""

from __future__ import annotations

from backend.settings import Settings
from backend.worker.periodic import register_periodic

REMINDER_SECONDS = 300


def register_jobs(settings: Settings) -> None:
    """Queues due reminders every five minutes (exclusive: one worker of the fleet per interval)."""
    register_periodic("activities.send_reminders", "backend.activities.flows:send_reminders", REMINDER_SECONDS)
