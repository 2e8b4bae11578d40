"""Worker entry points of petitions: routing a filed petition, and the periodic SLA sweep."""

from __future__ import annotations

from backend.extensions import db
from backend.petitions import flows
from backend.settings import Settings
from backend.worker.periodic import register_periodic


def route_job(petition_id: int) -> None:
    """RQ job: routes one petition (PETITION_ROUTING=worker)."""
    try:
        flows.route_safely(petition_id)
    finally:
        db.session.remove()


def register_jobs(settings: Settings) -> None:
    """Registers the SLA sweep every PETITION_SWEEP_SECONDS (exclusive: one worker of the fleet per interval)."""
    register_periodic("petitions.sweep_overdue", "backend.petitions.flows:sweep_overdue",
                      settings.petition_sweep_seconds)
