"""Worker entry points of petitions: routing filed petitions, and the periodic SLA sweep."""

from __future__ import annotations

import time

from backend.extensions import db
from backend.petitions import flows
from backend.settings import Settings
from backend.worker.periodic import register_periodic

ROUTE_SECONDS = 1
# A burst is routed batch after batch for this long before the job yields to the next periodic job.
ROUTE_BUDGET_SECONDS = 10.0


def route_job() -> None:
    """Periodic job: routes what was filed since the last run (PETITION_ROUTING=worker), batch after batch
    while the batches come back full."""
    deadline = time.monotonic() + ROUTE_BUDGET_SECONDS
    try:
        while flows.route_pending() >= flows.ROUTE_BATCH and time.monotonic() < deadline:
            db.session.remove()
    finally:
        db.session.remove()


def register_jobs(settings: Settings) -> None:
    """Registers the SLA sweep every PETITION_SWEEP_SECONDS and, with PETITION_ROUTING=worker, routing every
    second (both exclusive: one worker of the fleet per interval)."""
    register_periodic("petitions.sweep_overdue", "backend.petitions.flows:sweep_overdue",
                      settings.petition_sweep_seconds)
    if settings.petition_routing == "worker":
        register_periodic("petitions.route_pending", route_job, ROUTE_SECONDS)
