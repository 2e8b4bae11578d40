"""The alerts domain's refusals (answered by core.errors' one handler)."""

from __future__ import annotations

from backend.core.errors import DomainError


class AlertError(DomainError):
    """A refused request on alerts."""


class AlertNotFound(AlertError):
    status = 404


class AlertConflict(AlertError):
    """The alert's state refuses the action (already withdrawn, not pending…)."""

    status = 409


class AlertInvalid(AlertError):
    status = 422
