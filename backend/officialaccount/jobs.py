"""Worker job of the official account: forgetting old pushes."""

from __future__ import annotations

from datetime import timedelta

from backend.core.models import utcnow
from backend.officialaccount import service
from backend.settings import Settings
from backend.worker.periodic import register_periodic

# WeChat retries a push within seconds; a day is far beyond any retry.
KEEP_PUSHES = timedelta(days=1)
PRUNE_SECONDS = 3600


def prune_job() -> int:
    """Periodic job: deletes pushes older than KEEP_PUSHES."""
    return service.prune(before=utcnow() - KEEP_PUSHES)


def register_jobs(settings: Settings) -> None:
    """Registers the hourly prune (exclusive: one worker of the fleet)."""
    register_periodic("officialaccount.prune", prune_job, PRUNE_SECONDS)
