"""Staff API for activities under /api/v1/activities (organisers; admin passes)."""

from __future__ import annotations

import csv
import io

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.activities import schemas, service
from backend.calendar.service import BEIJING
from backend.core.security import current_principal, require_staff
from backend.core.validation import PageArgs

blp = Blueprint("activities", __name__, url_prefix="/api/v1/activities", description="志愿活动管理（组织方）")

ORGANISER = "organiser"
CSV_COLUMNS = (("name", "姓名"), ("phone", "手机号"), ("status", "状态"), ("position", "候补名次"),
               ("signed_up_at", "报名时间"), ("checked_in_at", "签到时间"), ("checked_out_at", "签退时间"),
               ("hours", "服务时长（小时）"))
STATUS_LABELS = {"confirmed": "已报名", "waitlisted": "候补", "cancelled": "已取消"}


def _mine(activity_id: int):
    return service.access_activity(current_principal(), service.get(activity_id=activity_id))


@blp.route("")
class Activities(MethodView):
    @require_staff(ORGANISER)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, schemas.ActivityStaffListSchema)
    def get(self, args):
        """My activities, newest first (every activity for an admin)"""
        items, total = service.list_for_organiser(organiser=current_principal(), page=args["page"],
                                                  limit=args["limit"])
        return {"items": items, "total": total}

    @require_staff(ORGANISER)
    @blp.arguments(schemas.ActivityWriteSchema)
    @blp.response(201, schemas.ActivitySchema)
    def post(self, data):
        """Publish an activity"""
        return service.create(organiser=current_principal(), data=data)


@blp.route("/<int:activity_id>")
class ActivityDetail(MethodView):
    @require_staff(ORGANISER)
    @blp.response(200, schemas.ActivitySchema)
    def get(self, activity_id):
        """One of my activities"""
        return _mine(activity_id)


@blp.route("/<int:activity_id>/signups")
class Signups(MethodView):
    @require_staff(ORGANISER)
    @blp.response(200, schemas.SignupStaffListSchema)
    def get(self, activity_id):
        """The sign-ups of my activity: confirmed, then the waitlist in order (phones masked)"""
        rows = service.signup_rows(_mine(activity_id))
        return {"items": rows, "total": len(rows)}


@blp.route("/<int:activity_id>/signups.csv")
class SignupsExport(MethodView):
    @require_staff(ORGANISER)
    @blp.response(200, description="CSV（UTF-8 带 BOM，Excel 可直接打开）",
                  content_type="text/csv")
    def get(self, activity_id):
        """Export the sign-ups of my activity as CSV, with the phones the residents agreed to share"""
        activity = _mine(activity_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([label for _, label in CSV_COLUMNS])
        for row in service.signup_rows(activity, full_phone=True):
            writer.writerow([_cell(key, row[key]) for key, _ in CSV_COLUMNS])
        return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="activity-{activity.id}-signups.csv"'})


def _cell(key: str, value) -> str:
    if value is None:
        return ""
    if key == "status":
        return STATUS_LABELS.get(value, value)
    if hasattr(value, "astimezone"):
        return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet (names are typed by residents).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@blp.route("/<int:activity_id>/checkin-code")
class CheckinCode(MethodView):
    @require_staff(ORGANISER)
    @blp.response(200, schemas.CheckinCodeSchema)
    def get(self, activity_id):
        """A fresh check-in/check-out code to show as a QR code (valid 10 minutes; refresh before it expires)"""
        return service.checkin_code(_mine(activity_id))
