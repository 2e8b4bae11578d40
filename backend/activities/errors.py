"""The activities domain's refusals (answered by core.errors' one handler)."""

from __future__ import annotations

from backend.core.errors import DomainError


class ActivityError(DomainError):
    """A refused request on activities, with a Chinese message for the resident or organiser."""


class ActivityNotFound(ActivityError):
    """No such activity or sign-up (or not one the caller may see)."""

    status = 404


class ActivityConflict(ActivityError):
    """The request is valid but the activity's state refuses it (deadline passed, not checked in…)."""

    status = 409


class ActivityInvalid(ActivityError):
    """A value is wrong (field named)."""

    status = 422
