"""Worker entry points of the outbox: the RQ job and the periodic sweep."""

from __future__ import annotations

import logging

from backend.extensions import db
from backend.outbox import service
from backend.outbox.delivery import DeliveryReport, deliver_due

log = logging.getLogger(__name__)

# One sweep never runs forever even if producers keep up with it.
MAX_PER_SWEEP = 1000


def drain_all(max_messages: int = MAX_PER_SWEEP) -> DeliveryReport:
    """Delivers due messages until none is left (or max_messages were handled)."""
    report = DeliveryReport()
    try:
        while report.claimed < max_messages:
            batch = deliver_due(limit=min(100, max_messages - report.claimed))
            report += batch
            if batch.claimed == 0:
                break
    finally:
        db.session.remove()
    if report.claimed:
        log.info("outbox: %d sent, %d to retry, %d failed", len(report.sent), len(report.retried), len(report.failed))
    return report


def drain_job() -> int:
    """RQ job queued after a commit that enqueued messages; returns how many were sent."""
    service.clear_kick()
    return len(drain_all().sent)
