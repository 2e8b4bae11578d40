"""Staff API under /api/v1/me/notifications: the signed-in staff member's own inbox."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.security import current_principal, require_staff
from backend.notifications import schemas, service
from backend.notifications.access import access_notification

blp = Blueprint("staff_notifications", __name__, url_prefix="/api/v1/me/notifications",
                description="工作人员通知（超时督办提醒等）")


@blp.route("")
class Notifications(MethodView):
    @require_staff()
    @blp.arguments(schemas.NotificationListArgs, location="query")
    @blp.response(200, schemas.NotificationListSchema)
    def get(self, args):
        """My notifications, newest first; unread=true for unread only"""
        staff_id = current_principal().id
        items, total = service.list_for_staff(staff_id=staff_id, unread=args["unread"], page=args["page"],
                                              limit=args["limit"])
        return {"items": items, "total": total, "unread": service.unread_count(staff_id=staff_id),
                "page": args["page"], "limit": args["limit"]}


@blp.route("/unread-count")
class UnreadCount(MethodView):
    @require_staff()
    @blp.response(200, schemas.UnreadCountSchema)
    def get(self):
        """How many of my notifications are unread (the console's badge)"""
        return {"unread": service.unread_count(staff_id=current_principal().id)}


@blp.route("/<int:notification_id>/read")
class Read(MethodView):
    @require_staff()
    @blp.response(200, schemas.NotificationStaffSchema)
    @blp.alt_response(404, description="通知不存在（或不是您的通知）")
    def post(self, notification_id):
        """Mark one of my notifications read"""
        notification = access_notification(current_principal(), service.get(notification_id=notification_id))
        return service.mark_read(notification=notification)


@blp.route("/read-all")
class ReadAll(MethodView):
    @require_staff()
    @blp.response(200, schemas.ReadAllSchema)
    def post(self):
        """Mark all my notifications read"""
        staff_id = current_principal().id
        return {"updated": service.mark_all_read(staff_id=staff_id), "unread": service.unread_count(staff_id=staff_id)}
