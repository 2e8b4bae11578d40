"""Who may see a staff notification: only its recipient (anyone else gets 404, not 403)."""

from __future__ import annotations

from backend.core.security import Principal
from backend.notifications.models import StaffNotification
from backend.petitions.errors import PetitionError


def access_notification(principal: Principal, notification: StaffNotification | None) -> StaffNotification:
    """The notification if it is the principal's own; 404 otherwise (its existence is not revealed)."""
    if notification is None or principal.kind != "staff" or notification.staff_id != principal.id:
        raise PetitionError(404, "通知不存在")
    return notification
