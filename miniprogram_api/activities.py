"""Volunteer activities for residents under /api/mp/activities: list, detail, sign up, cancel, check in/out, mine."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.activities import schemas, service
from backend.core.security import current_principal, require_resident

blp = Blueprint("mp_activities", __name__, url_prefix="/api/mp/activities", description="志愿活动")

PUBLIC = {"security": []}


@blp.route("")
class Activities(MethodView):
    @blp.arguments(schemas.ActivityListArgs, location="query")
    @blp.response(200, schemas.ActivityListSchema)
    @blp.doc(**PUBLIC)
    def get(self, args):
        """Published activities by start time (filters: street, upcoming)"""
        items, total = service.list_published(street=args["street"], upcoming=args["upcoming"],
                                              page=args["page"], limit=args["limit"])
        return {"items": items, "total": total}


@blp.route("/mine")
class Mine(MethodView):
    @require_resident()
    @blp.response(200, schemas.MySignupListSchema)
    def get(self):
        """My sign-ups with check-in times and hours, and my total service hours"""
        items, total_hours = service.mine(resident_id=current_principal().id)
        return {"items": items, "total": len(items), "total_hours": total_hours}


@blp.route("/<int:activity_id>")
class Activity(MethodView):
    @blp.response(200, schemas.ActivitySchema)
    @blp.doc(**PUBLIC)
    def get(self, activity_id):
        """One published activity"""
        return service.get_published(activity_id=activity_id)


@blp.route("/<int:activity_id>/signup")
class Signup(MethodView):
    @require_resident()
    @blp.arguments(schemas.SignupRequestSchema)
    @blp.response(200, schemas.SignupResultSchema)
    @blp.alt_response(409, description="报名已截止")
    @blp.alt_response(422, description="未同意向组织方提供姓名和手机号")
    def post(self, data, activity_id):
        """Sign up (consent required): confirmed while places are left, else waitlisted with a position"""
        return service.sign_up(activity_id=activity_id, resident_id=current_principal().id,
                               consent=data["consent"])


@blp.route("/<int:activity_id>/cancel")
class Cancel(MethodView):
    @require_resident()
    @blp.response(200, schemas.SignupResultSchema)
    @blp.alt_response(409, description="已过取消截止时间或已签到")
    def post(self, activity_id):
        """Cancel my sign-up before the cancellation deadline (the first waitlisted takes the place)"""
        signup = service.cancel(activity_id=activity_id, resident_id=current_principal().id)
        return {"status": signup.status}


def _check(activity_id: int, code: str, *, out: bool):
    action = service.check_out if out else service.check_in
    signup = action(activity_id=activity_id, resident_id=current_principal().id, code=code)
    return {"status": signup.status, "checked_in_at": signup.checked_in_at,
            "checked_out_at": signup.checked_out_at, "hours": signup.half_hours / 2}


@blp.route("/<int:activity_id>/checkin")
class Checkin(MethodView):
    @require_resident()
    @blp.arguments(schemas.CodeRequestSchema)
    @blp.response(200, schemas.CheckResultSchema)
    @blp.alt_response(409, description="不在签到时间内或不是正式报名人员")
    def post(self, data, activity_id):
        """Check in with the code the organiser shows (from 30 minutes before the start to 30 after the end)"""
        return _check(activity_id, data["code"], out=False)


@blp.route("/<int:activity_id>/checkout")
class Checkout(MethodView):
    @require_resident()
    @blp.arguments(schemas.CodeRequestSchema)
    @blp.response(200, schemas.CheckResultSchema)
    @blp.alt_response(409, description="尚未签到或不在签到时间内")
    def post(self, data, activity_id):
        """Check out with the organiser's code; the service hours are credited"""
        return _check(activity_id, data["code"], out=True)
