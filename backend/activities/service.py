"""Activities: publish, list, sign up with an exact capacity and a waitlist, cancel, check in and out."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from backend.activities import flows, hours
from backend.activities.errors import ActivityConflict, ActivityError, ActivityInvalid, ActivityNotFound
from backend.activities.models import CANCELLED, CONFIRMED, PUBLISHED, WAITLISTED, Activity, ActivitySignup
from backend.core.models import utcnow
from backend.core.security import Principal
from backend.directory import service as directory
from backend.extensions import db

# Check-in codes rotate: the organiser's screen fetches a new one before this many seconds pass.
CODE_TTL_SECONDS = 600
# Check-in and check-out are accepted from this long before the start until this long after the end.
CHECK_GRACE = timedelta(minutes=30)
CODE_PREFIX = "ZJA."


def get(*, activity_id: int) -> Activity | None:
    """Gets an activity by its id."""
    return db.session.get(Activity, activity_id)


def get_published(*, activity_id: int) -> Activity:
    """The published activity, or ActivityNotFound."""
    activity = get(activity_id=activity_id)
    if activity is None or activity.status != PUBLISHED:
        raise ActivityNotFound("活动不存在或已取消")
    return activity


def create(*, organiser: Principal, data: dict) -> Activity:
    """Publishes an activity of `organiser` and commits."""
    street = directory.get_street_by_code(code=data["street"]) if data.get("street") else None
    if street is None:
        raise ActivityInvalid("街道不存在", "street")
    starts, ends = data["starts_at"], data["ends_at"]
    if ends <= starts:
        raise ActivityInvalid("结束时间应晚于开始时间", "ends_at")
    signup_deadline = data.get("signup_deadline") or starts
    cancel_deadline = data.get("cancel_deadline") or signup_deadline
    if signup_deadline > starts:
        raise ActivityInvalid("报名截止时间不能晚于活动开始时间", "signup_deadline")
    if cancel_deadline > starts:
        raise ActivityInvalid("取消截止时间不能晚于活动开始时间", "cancel_deadline")
    activity = Activity(
        title=data["title"], description=data.get("description", ""), requirements=data.get("requirements", ""),
        place=data["place"], street_id=street.id, organiser_id=organiser.id, starts_at=starts, ends_at=ends,
        signup_deadline=signup_deadline, cancel_deadline=cancel_deadline, capacity=data["capacity"],
        status=PUBLISHED, confirmed_count=0, waitlisted_count=0, waitlist_seq=0,
    )
    db.session.add(activity)
    db.session.commit()
    return activity


def list_published(*, street: str | None = None, upcoming: bool = False, page: int = 1, limit: int = 20,
                   now: datetime | None = None) -> tuple[list[Activity], int]:
    """Published activities by start time, optionally of one street (code) and not yet ended."""
    conditions = [Activity.status == PUBLISHED]
    if street:
        found = directory.get_street_by_code(code=street)
        if found is None:
            raise ActivityInvalid("街道不存在", "street")
        conditions.append(Activity.street_id == found.id)
    if upcoming:
        conditions.append(Activity.ends_at >= (now or utcnow()))
    total = db.session.scalar(select(func.count(Activity.id)).where(*conditions))
    items = db.session.scalars(select(Activity).where(*conditions).order_by(Activity.starts_at, Activity.id)
                               .offset((page - 1) * limit).limit(limit)).all()
    return list(items), total


def list_for_organiser(*, organiser: Principal, page: int = 1, limit: int = 20) -> tuple[list[Activity], int]:
    """The organiser's own activities (every one for an admin), newest start first."""
    conditions = [] if organiser.role == "admin" else [Activity.organiser_id == organiser.id]
    total = db.session.scalar(select(func.count(Activity.id)).where(*conditions))
    items = db.session.scalars(select(Activity).where(*conditions).order_by(Activity.starts_at.desc(), Activity.id)
                               .offset((page - 1) * limit).limit(limit)).all()
    return list(items), total


def access_activity(principal: Principal, activity: Activity | None) -> Activity:
    """The activity if the staff member organises it (or is an admin), else ActivityNotFound."""
    if activity is None or not (principal.role == "admin" or activity.organiser_id == principal.id):
        raise ActivityNotFound("活动不存在")
    return activity


def _locked(activity_id: int) -> Activity:
    # FOR UPDATE OF the activity only: its joined street and organiser are on the nullable side of an outer join.
    # On SQLite the statement takes the database's write lock (core.database's policy).
    activity = db.session.scalar(select(Activity).where(Activity.id == activity_id)
                                 .with_for_update(of=Activity).execution_options(populate_existing=True))
    if activity is None or activity.status != PUBLISHED:
        raise ActivityNotFound("活动不存在或已取消")
    return activity


def _signup_of(activity_id: int, resident_id: int, *, lock: bool = False) -> ActivitySignup | None:
    statement = select(ActivitySignup).where(ActivitySignup.activity_id == activity_id,
                                             ActivitySignup.resident_id == resident_id)
    if lock:
        statement = statement.with_for_update(of=ActivitySignup)
    return db.session.scalar(statement.execution_options(populate_existing=True))


def waitlist_position(signup: ActivitySignup) -> int | None:
    """1 for the first on the waitlist, … ; None when the sign-up is not waitlisted."""
    if signup.status != WAITLISTED:
        return None
    return db.session.scalar(select(func.count(ActivitySignup.id)).where(
        ActivitySignup.activity_id == signup.activity_id, ActivitySignup.status == WAITLISTED,
        ActivitySignup.waitlist_ticket <= signup.waitlist_ticket))


def _in_transaction(work):
    try:
        return work()
    except ActivityError:
        db.session.rollback()
        raise


def sign_up(*, activity_id: int, resident_id: int, consent: bool, now: datetime | None = None) -> dict:
    """Signs a resident up: confirmed while places are left, else waitlisted; asking again changes nothing.

    The activity's row is locked for the whole transaction, so concurrent sign-ups take places one at a time
    and no more than `capacity` are ever confirmed. Returns {"status", "position"?}.
    """
    if consent is not True:
        raise ActivityInvalid("报名需同意向活动组织方提供您的姓名和手机号", "consent")
    now = now or utcnow()

    def work():
        activity = _locked(activity_id)
        signup = _signup_of(activity_id, resident_id)
        if signup is not None and signup.status in (CONFIRMED, WAITLISTED):
            position = waitlist_position(signup)
            db.session.commit()
            return _answer(signup.status, position)
        if now > activity.signup_deadline:
            raise ActivityConflict("报名已截止")
        if signup is None:
            signup = ActivitySignup(activity_id=activity_id, resident_id=resident_id, half_hours=0)
            db.session.add(signup)
        signup.consent_at, signup.cancelled_at, signup.promoted_at = now, None, None
        if activity.confirmed_count < activity.capacity:
            signup.status, signup.waitlist_ticket = CONFIRMED, None
            activity.confirmed_count += 1
            position = None
        else:
            activity.waitlist_seq += 1
            activity.waitlisted_count += 1
            signup.status, signup.waitlist_ticket = WAITLISTED, activity.waitlist_seq
            # The newest ticket: everyone waitlisted is ahead of or equal to it.
            position = activity.waitlisted_count
        db.session.commit()
        return _answer(signup.status, position)

    return _in_transaction(work)


def _answer(status: str, position: int | None) -> dict:
    return {"status": status, "position": position} if position is not None else {"status": status}


def cancel(*, activity_id: int, resident_id: int, now: datetime | None = None) -> ActivitySignup:
    """Cancels a sign-up before the cancellation deadline; a freed place goes to the first waitlisted, who is
    told once. Cancelling again changes nothing."""
    now = now or utcnow()

    def work():
        activity = _locked(activity_id)
        signup = _signup_of(activity_id, resident_id)
        if signup is None:
            raise ActivityNotFound("您没有报名该活动")
        if signup.status == CANCELLED:
            db.session.commit()
            return signup
        if now > activity.cancel_deadline:
            raise ActivityConflict("已过取消报名截止时间，如确实无法参加请联系活动组织方")
        if signup.checked_in_at is not None:
            raise ActivityConflict("您已签到，不能取消报名")
        was = signup.status
        signup.status, signup.cancelled_at = CANCELLED, now
        if was == CONFIRMED:
            activity.confirmed_count -= 1
        else:
            activity.waitlisted_count -= 1
        _promote(activity, now)
        db.session.commit()
        return signup

    return _in_transaction(work)


def _promote(activity: Activity, now: datetime) -> None:
    """Fills free places from the head of the waitlist (the caller holds the activity's lock)."""
    while activity.confirmed_count < activity.capacity and activity.waitlisted_count > 0:
        first = db.session.scalar(select(ActivitySignup).where(
            ActivitySignup.activity_id == activity.id, ActivitySignup.status == WAITLISTED,
        ).order_by(ActivitySignup.waitlist_ticket).limit(1))
        if first is None:
            break
        first.status, first.promoted_at = CONFIRMED, now
        activity.confirmed_count += 1
        activity.waitlisted_count -= 1
        db.session.flush()
        flows.notify_promoted(activity, first)


def checkin_code(activity: Activity, now: datetime | None = None) -> dict:
    """A fresh check-in/check-out code for the organiser to show as a QR code, and when it is accepted."""
    now = now or utcnow()
    return {"code": CODE_PREFIX + _serializer().dumps({"a": activity.id}), "expires_in": CODE_TTL_SECONDS,
            "accepted_from": activity.starts_at - CHECK_GRACE, "accepted_until": activity.ends_at + CHECK_GRACE}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SETTINGS"].secret_key, salt="zj-activity-checkin")


def _check_code(activity: Activity, code: str, now: datetime) -> None:
    payload = None
    if code.startswith(CODE_PREFIX):
        try:
            payload = _serializer().loads(code[len(CODE_PREFIX):], max_age=CODE_TTL_SECONDS)
        except (SignatureExpired, BadSignature):
            payload = None
    if not isinstance(payload, dict) or payload.get("a") != activity.id:
        raise ActivityInvalid("签到码无效或已过期，请扫描组织方当前展示的二维码", "code")
    if not activity.starts_at - CHECK_GRACE <= now <= activity.ends_at + CHECK_GRACE:
        raise ActivityConflict("不在签到时间内：活动开始前 30 分钟至结束后 30 分钟可以签到和签退")


def check_in(*, activity_id: int, resident_id: int, code: str, now: datetime | None = None) -> ActivitySignup:
    """Records the resident's arrival with the organiser's code; a second check-in keeps the first time."""
    return _check(activity_id, resident_id, code, now or utcnow(), out=False)


def check_out(*, activity_id: int, resident_id: int, code: str, now: datetime | None = None) -> ActivitySignup:
    """Records the resident's departure and credits the service hours; a second check-out keeps the first."""
    return _check(activity_id, resident_id, code, now or utcnow(), out=True)


def _check(activity_id: int, resident_id: int, code: str, now: datetime, *, out: bool) -> ActivitySignup:
    activity = get_published(activity_id=activity_id)
    _check_code(activity, code, now)

    def work():
        signup = _signup_of(activity_id, resident_id, lock=True)
        if signup is None or signup.status != CONFIRMED:
            raise ActivityConflict("您不是该活动的正式报名人员，不能签到")
        if not out:
            if signup.checked_in_at is None:
                signup.checked_in_at = now
        else:
            if signup.checked_in_at is None:
                raise ActivityConflict("请先签到再签退")
            if signup.checked_out_at is None:
                signup.checked_out_at = now
                signup.half_hours = hours.half_hours(hours.presence_seconds(
                    signup.checked_in_at, now, activity.starts_at, activity.ends_at))
        db.session.commit()
        return signup

    return _in_transaction(work)


def signups_of(activity: Activity) -> list[ActivitySignup]:
    """Every sign-up of an activity: confirmed first, then the waitlist in order, then cancellations."""
    order = {CONFIRMED: 0, WAITLISTED: 1, CANCELLED: 2}
    rows = db.session.scalars(select(ActivitySignup).where(ActivitySignup.activity_id == activity.id)
                              .order_by(ActivitySignup.id)).all()
    return sorted(rows, key=lambda s: (order[s.status], s.waitlist_ticket or 0, s.id))


def signup_rows(activity: Activity, *, full_phone: bool = False) -> list[dict]:
    """The organiser's view of the sign-ups: name and phone (masked unless full_phone, for the export)."""
    from backend.residents import service as residents
    from backend.residents.models import Resident

    signups = signups_of(activity)
    people = {r.id: r for r in db.session.scalars(
        select(Resident).where(Resident.id.in_([s.resident_id for s in signups])))} if signups else {}
    rows, waiting = [], 0
    for signup in signups:
        resident = people.get(signup.resident_id)
        if signup.status == WAITLISTED:
            waiting += 1
        phone = None
        if resident is not None:
            phone = residents.decrypt_phone(resident) if full_phone else residents.mask_phone(resident)
        rows.append({
            "id": signup.id, "name": (resident.nickname if resident else "") or f"居民{signup.resident_id}",
            "phone": phone, "status": signup.status, "position": waiting if signup.status == WAITLISTED else None,
            "signed_up_at": signup.consent_at, "checked_in_at": signup.checked_in_at,
            "checked_out_at": signup.checked_out_at, "hours": signup.half_hours / 2,
        })
    return rows


def mine(*, resident_id: int) -> tuple[list[dict], float]:
    """The resident's sign-ups (newest activity first, with the waitlist position) and total service hours."""
    rows = db.session.scalars(select(ActivitySignup).join(Activity)
                              .where(ActivitySignup.resident_id == resident_id)
                              .order_by(Activity.starts_at.desc(), ActivitySignup.id)).all()
    items = [{"activity": row.activity, "status": row.status, "position": waitlist_position(row),
              "checked_in_at": row.checked_in_at, "checked_out_at": row.checked_out_at,
              "hours": row.half_hours / 2} for row in rows]
    return items, sum(row.half_hours for row in rows) / 2
