"""Worker entry points of petitions: routing a filed petition, and the periodic SLA sweep."""

from __future__ import annotations

from backend.extensions import db
from backend.petitions import flows
from backend.worker.periodic import register_periodic

SWEEP_SECONDS = 60


def route_job(petition_id: int) -> None:
    """RQ job: routes one petition (PETITION_ROUTING=worker)."""
    try:
        flows.route_safely(petition_id)
    finally:
        db.session.remove()


def sweep_job() -> None:
    """Periodic job: the SLA sweep."""
    flows.sweep_overdue()


register_periodic("petitions.sweep_overdue", sweep_job, SWEEP_SECONDS)
