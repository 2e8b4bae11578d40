"""Notice services: drafting, the approval workflow, what residents see, read markers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, lazyload

from backend.audit import service as audit
from backend.core.models import utcnow
from backend.core.security import Principal
from backend.directory import service as directory
from backend.directory.models import Community, Street
from backend.extensions import db
from backend.info.errors import InfoError, invalid
from backend.info.notices import states
from backend.info.notices.models import Notice, NoticeRead

# A general notice without an expiry stays up this long; an outage one day after its window ends.
DEFAULT_LIFETIME = timedelta(days=30)
OUTAGE_AFTERGLOW = timedelta(days=1)
EDITABLE = ("title", "body", "category", "affected_area", "starts_at", "ends_at", "expires_at")


def get(*, notice_id: int) -> Notice | None:
    """Gets a notice by id."""
    return db.session.get(Notice, notice_id)


def _place(data: dict) -> dict:
    """street_code/community_code of the input → street_id/community_id (a community implies its street)."""
    street = community = None
    if data.get("street_code"):
        street = directory.get_street_by_code(code=data["street_code"])
        if street is None:
            raise invalid("street_code", "未知的街道")
    if data.get("community_code"):
        community = directory.get_community_by_code(code=data["community_code"])
        if community is None:
            raise invalid("community_code", "未知的社区")
        if street is not None and community.street_id != street.id:
            raise invalid("community_code", f"该社区不属于{street.name}")
        street = street or community.street
    return {"street_id": street.id if street else None, "community_id": community.id if community else None}


def _check_window(notice: Notice) -> None:
    if notice.category in states.OUTAGES:
        if not notice.affected_area:
            raise invalid("affected_area", "停水、停电、停气通知须写明影响范围")
        if notice.starts_at is None or notice.ends_at is None:
            raise invalid("starts_at", "停水、停电、停气通知须写明开始和结束时间")
    if notice.starts_at and notice.ends_at and notice.ends_at <= notice.starts_at:
        raise invalid("ends_at", "结束时间应晚于开始时间")


def create(*, data: dict, author: Principal) -> Notice:
    """Creates a draft (commits, audited)."""
    notice = Notice(author_id=author.id, status=states.DRAFT, **{k: data.get(k) for k in EDITABLE if k in data})
    notice.category = data.get("category") or "general"
    for key, value in _place(data).items():
        setattr(notice, key, value)
    _check_window(notice)
    db.session.add(notice)
    db.session.flush()
    audit.record(actor=author, action="create", subject_type="notice", subject_id=notice.id,
                 detail={"title": notice.title})
    return _committed(notice)


def _committed(notice: Notice) -> Notice:
    """Commits and reads the notice back as stored (times in UTC, author and approver loaded)."""
    db.session.commit()
    db.session.refresh(notice)
    return notice


def update(*, notice: Notice, data: dict, actor: Principal) -> Notice:
    """Changes a draft (commits, audited); submitted and published notices are not edited in place."""
    if notice.status != states.DRAFT:
        raise InfoError("conflict", "只有草稿可以修改；已提交的公告请先退回，已发布的请撤回后重新起草")
    for key in EDITABLE:
        if key in data:
            setattr(notice, key, data[key])
    if "street_code" in data or "community_code" in data:
        merged = {"street_code": notice.street.code if notice.street else None,
                  "community_code": notice.community.code if notice.community else None}
        merged.update({k: data[k] for k in ("street_code", "community_code") if k in data})
        if "street_code" in data and "community_code" not in data:
            merged["community_code"] = None
        for key, value in _place(merged).items():
            setattr(notice, key, value)
    _check_window(notice)
    audit.record(actor=actor, action="update", subject_type="notice", subject_id=notice.id,
                 detail={"fields": sorted(data)})
    return _committed(notice)


def transition(*, notice_id: int, action: str, actor: Principal, reason: str | None = None) -> Notice:
    """Takes a workflow action on a notice (the row locked), audited; commits."""
    spec = states.ACTIONS.get(action)
    if spec is None:
        raise invalid("action", "不支持的操作")
    notice = db.session.scalar(select(Notice).where(Notice.id == notice_id).with_for_update(of=Notice))
    if notice is None:
        raise InfoError("not_found", "公告不存在")
    if not actor.has_role(*spec.roles):
        raise InfoError("forbidden", "您的账号没有权限执行此操作")
    if spec.not_author and notice.author_id == actor.id:
        raise InfoError("forbidden", "公告须由起草人以外的另一位工作人员审核")
    if notice.status not in spec.sources:
        raise InfoError("conflict", f"公告当前为「{states.LABELS[notice.status]}」，不能执行此操作")
    if spec.reason_required and not (reason and reason.strip()):
        raise invalid("reason", "请填写原因")
    now = utcnow()
    before = notice.status
    notice.status = spec.target
    if action == "approve":
        _check_window(notice)
        notice.approver_id, notice.published_at = actor.id, now
        notice.expires_at = notice.expires_at or _default_expiry(notice, now)
        if notice.expires_at <= now:
            raise invalid("expires_at", "过期时间已过，请退回修改后再发布")
        notice.status_reason = None
    elif action in ("reject", "withdraw"):
        notice.status_reason = reason.strip()
        if action == "withdraw":
            notice.withdrawn_at = now
    detail = {"from": before, "to": notice.status, **({"reason": reason} if reason is not None else {})}
    audit.record(actor=actor, action=action, subject_type="notice", subject_id=notice.id, detail=detail)
    return _committed(notice)


def _default_expiry(notice: Notice, now: datetime) -> datetime:
    if notice.ends_at is not None:
        return notice.ends_at + OUTAGE_AFTERGLOW
    return now + DEFAULT_LIFETIME


def display_status(notice: Notice, now: datetime | None = None) -> str:
    """The status staff see: a published notice past its expiry is 'expired'."""
    now = now or utcnow()
    if notice.status == states.PUBLISHED and notice.expires_at and notice.expires_at <= now:
        return "expired"
    return notice.status


def staff_list(*, status: str | None, street_code: str | None, page: int, limit: int) -> tuple[list[Notice], int]:
    """Notices for staff, newest first, filtered by status (expired included) and street."""
    query = select(Notice)
    now = utcnow()
    if status == "expired":
        query = query.where(Notice.status == states.PUBLISHED, Notice.expires_at <= now)
    elif status == states.PUBLISHED:
        query = query.where(Notice.status == states.PUBLISHED, Notice.expires_at > now)
    elif status:
        query = query.where(Notice.status == status)
    if street_code:
        street = directory.get_street_by_code(code=street_code)
        query = query.where(Notice.street_id == (street.id if street else -1))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Notice.id.desc()).offset((page - 1) * limit).limit(limit)).unique()
    return list(items), total


# ---- residents -----------------------------------------------------------------------------------------------

def _relevance(street_id: int | None, community_id: int | None):
    """0 = my community, 1 = my street (any of its communities), 2 = the whole district, 3 = elsewhere."""
    return case(
        (and_(Notice.community_id.is_not(None), Notice.community_id == (community_id or -1)), 0),
        (Notice.street_id == (street_id or -1), 1),
        (Notice.street_id.is_(None), 2),
        else_=3,
    )


def _visible(now: datetime):
    return and_(Notice.status == states.PUBLISHED, Notice.expires_at > now)


def for_resident(*, resident_id: int | None, street_id: int | None, community_id: int | None, mine_only: bool,
                 category: str | None = None, street_filter: int | None = None, page: int = 1,
                 limit: int = 20, count_total: bool = True) -> tuple[list[dict], int | None, int]:
    """Published notices as residents see them — their community's, then their street's, then the district's,
    then (unless mine_only) other streets' — with read markers; returns (rows, total or None when not
    counted, unread among mine)."""
    now = utcnow()
    relevance = _relevance(street_id, community_id).label("relevance")
    read = aliased(NoticeRead)
    read_at = read.read_at if resident_id else literal(None)
    # Residents never see who wrote or approved a notice: no join to staff.
    query = (select(Notice, relevance, read_at.label("read_at")).where(_visible(now))
             .options(lazyload(Notice.author), lazyload(Notice.approver)))
    if resident_id:
        query = query.outerjoin(read, and_(read.notice_id == Notice.id, read.resident_id == resident_id))
    if mine_only:
        query = query.where(relevance < 3)
    if category:
        query = query.where(Notice.category == category)
    if street_filter is not None:
        query = query.where(Notice.street_id == street_filter)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) if count_total else None
    unread = 0
    if resident_id:
        unread = db.session.scalar(select(func.count()).select_from(
            query.where(relevance < 3, read.read_at.is_(None)).subquery()))
    rows = db.session.execute(query.order_by(relevance, Notice.published_at.desc(), Notice.id.desc())
                              .offset((page - 1) * limit).limit(limit)).unique()
    return [public_row(notice, relevance=rel, read_at=at) for notice, rel, at in rows], total, unread


def public_row(notice: Notice, *, relevance: int | None = None, read_at: datetime | None = None) -> dict:
    """A notice as residents and the bot see it."""
    return {
        "id": notice.id, "title": notice.title, "body": notice.body, "category": notice.category,
        "category_label": states.CATEGORIES.get(notice.category, notice.category),
        "street": notice.street, "community": notice.community, "affected_area": notice.affected_area,
        "starts_at": notice.starts_at, "ends_at": notice.ends_at, "published_at": notice.published_at,
        "expires_at": notice.expires_at, "scope": {0: "community", 1: "street", 2: "district"}.get(relevance, "other"),
        "read": read_at is not None, "read_at": read_at,
    }


def get_visible(*, notice_id: int) -> Notice | None:
    """A notice residents may see (published, not expired), or None."""
    return db.session.scalar(select(Notice).where(Notice.id == notice_id, _visible(utcnow())))


def mark_read(*, notice: Notice, resident_id: int) -> datetime:
    """Records that the resident read the notice (idempotent; commits); returns when they first read it."""
    now = utcnow()
    table = NoticeRead.__table__
    values = {"notice_id": notice.id, "resident_id": resident_id, "read_at": now}
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(**values)
    db.session.execute(insert.on_conflict_do_nothing(index_elements=["notice_id", "resident_id"]))
    db.session.commit()
    return db.session.scalar(select(NoticeRead.read_at).where(
        NoticeRead.notice_id == notice.id, NoticeRead.resident_id == resident_id)) or now


def outages_now(*, street_id: int | None, now: datetime | None = None) -> list[Notice]:
    """Published outage notices of a street (and the district) whose window has not ended, soonest first."""
    now = now or utcnow()
    query = select(Notice).where(_visible(now), Notice.category.in_(states.OUTAGES), Notice.ends_at > now,
                                 or_(Notice.street_id.is_(None), Notice.street_id == (street_id or -1)))
    return list(db.session.scalars(query.order_by(Notice.starts_at)).unique())


# The home feed's notices in one statement built once: the resident's community's, street's and the district's,
# their read markers and how many of them are unread (a window count over the same rows, before the limit).
# Plain rows, not ORM objects: the home page is the app's most frequent request.
_HOME_RELEVANCE = case(
    (and_(Notice.community_id.is_not(None), Notice.community_id == bindparam("community_id")), 0),
    (Notice.street_id == bindparam("street_id"), 1),
    (Notice.street_id.is_(None), 2),
    else_=3,
)
_HOME_READ = aliased(NoticeRead)
_HOME_NOTICES = (
    select(Notice.id, Notice.title, Notice.body, Notice.category, Street.code.label("street_code"),
           Street.name.label("street_name"), Community.code.label("community_code"),
           Community.name.label("community_name"), Notice.affected_area, Notice.starts_at, Notice.ends_at,
           Notice.published_at, Notice.expires_at, _HOME_RELEVANCE.label("relevance"), _HOME_READ.read_at,
           func.count().over().label("mine"),
           func.sum(case((_HOME_READ.read_at.is_(None), 1), else_=0)).over().label("unread"))
    .outerjoin(Street, Street.id == Notice.street_id)
    .outerjoin(Community, Community.id == Notice.community_id)
    .outerjoin(_HOME_READ, and_(_HOME_READ.notice_id == Notice.id, _HOME_READ.resident_id == bindparam("resident_id")))
    .where(Notice.status == states.PUBLISHED, Notice.expires_at > bindparam("now"), _HOME_RELEVANCE < 3)
    .order_by(_HOME_RELEVANCE, Notice.published_at.desc(), Notice.id.desc())
    .limit(bindparam("limit"))
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def home_notices(*, resident_id: int, street_id: int | None, community_id: int | None,
                 limit: int) -> tuple[list[dict], int]:
    """The resident's own notices (community, street, district) as JSON-ready dicts like NoticePublicSchema's,
    and how many of all of them are unread."""
    rows = db.session.execute(_HOME_NOTICES, {
        "resident_id": resident_id, "street_id": street_id or -1, "community_id": community_id or -1,
        "now": utcnow(), "limit": limit}).all()
    items = [{
        "id": row.id, "title": row.title, "body": row.body, "category": row.category,
        "category_label": states.CATEGORIES.get(row.category, row.category),
        "street": {"code": row.street_code, "name": row.street_name} if row.street_code else None,
        "community": {"code": row.community_code, "name": row.community_name} if row.community_code else None,
        "affected_area": row.affected_area, "starts_at": _iso(row.starts_at), "ends_at": _iso(row.ends_at),
        "published_at": _iso(row.published_at), "expires_at": _iso(row.expires_at),
        "scope": ("community", "street", "district")[row.relevance], "read": row.read_at is not None,
        "read_at": _iso(row.read_at),
    } for row in rows]
    return items, int(rows[0].unread) if rows else 0
