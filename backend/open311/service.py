"""Open311 services: partners and their keys, services from the routing table, requests as petitions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.calendar.service import BEIJING
from backend.core import ratelimit
from backend.core.masking import mask_text
from backend.core.models import utcnow
from backend.directory import service as directory
from backend.directory.models import Street
from backend.extensions import db
from backend.open311.models import Partner, PartnerRequest
from backend.petitions import flows as petition_flows
from backend.petitions import intake, states
from backend.petitions.models import TYPES, Petition
from backend.residents import service as residents
from backend.routing.models import RoutingRule

KEY_PREFIX = "o311_"
PARTNER_OPENID_PREFIX = "open311:"
RATE_WINDOW = 60
# Wrong keys tried per address and minute before the address is refused for the rest of the minute.
BAD_KEYS_PER_MINUTE = 20
OPEN_STATES = tuple(s for s in states.STATES if s not in states.FINAL)
DEFAULT_DAYS = 90
MAX_RESULTS = 200
MAX_IDS = 50


class Open311Error(Exception):
    """A refused Open311 call: the HTTP status and the description the spec's error list carries."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- partners ------------------------------------------------------------------------------------

def hash_key(api_key: str) -> str:
    """The stored form of an API key."""
    return hashlib.sha256(api_key.encode("utf-8", "replace")).hexdigest()


def create_partner(*, name: str, requests_per_minute: int = 60, staff_id: int | None = None) -> tuple[Partner, str]:
    """Registers a partner with a fresh API key (shown once, stored hashed); commits."""
    if get_partner_by_name(name=name) is not None:
        raise Open311Error(409, f"合作方“{name}”已存在")
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    resident = residents.get_or_create(openid=PARTNER_OPENID_PREFIX + secrets.token_hex(8))
    resident.nickname = name[:32]
    partner = Partner(name=name, key_hash=hash_key(api_key), key_prefix=api_key[:12], resident=resident,
                      requests_per_minute=requests_per_minute, created_by_id=staff_id)
    db.session.add(partner)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Open311Error(409, f"合作方“{name}”已存在") from exc
    return partner, api_key


def rotate_key(*, partner: Partner) -> str:
    """Replaces a partner's API key (the old one stops working at once); commits; returns the new key."""
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    partner.key_hash, partner.key_prefix = hash_key(api_key), api_key[:12]
    db.session.commit()
    return api_key


def set_active(*, partner: Partner, active: bool) -> Partner:
    """Switches a partner's key on or off; commits."""
    partner.is_active = active
    db.session.commit()
    return partner


def get_partner(*, partner_id: int) -> Partner | None:
    """Gets a partner by id."""
    return db.session.get(Partner, partner_id)


def get_partner_by_name(*, name: str) -> Partner | None:
    """Gets a partner by name."""
    return db.session.scalar(select(Partner).where(Partner.name == name))


def list_partners() -> list[Partner]:
    """Every partner, oldest first."""
    return list(db.session.scalars(select(Partner).order_by(Partner.id)))


def authenticate(*, api_key: str | None, client_ip: str) -> Partner:
    """The active partner holding an API key, counted against its rate limit; Open311Error 403 or 429."""
    if ratelimit.peek("open311_bad_key", client_ip).count >= BAD_KEYS_PER_MINUTE:
        raise Open311Error(429, "api_key 错误次数过多，请一分钟后再试")
    partner = None
    if api_key and len(api_key) <= 128:
        partner = db.session.scalar(select(Partner).where(Partner.key_hash == hash_key(api_key)))
    if partner is None or not partner.is_active:
        ratelimit.hit("open311_bad_key", client_ip, RATE_WINDOW)
        raise Open311Error(403, "api_key 无效或已停用")
    if ratelimit.hit("open311", str(partner.id), RATE_WINDOW) > partner.requests_per_minute:
        raise Open311Error(429, f"请求过于频繁：每分钟最多 {partner.requests_per_minute} 次")
    return partner


# --- services -----------------------------------------------------------------------------------

def list_services() -> list[RoutingRule]:
    """The petition categories of the routing table, as Open311 services."""
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.id)))


def get_service(*, code: str) -> RoutingRule:
    """The category of a service code; Open311Error 404 when there is none."""
    rule = db.session.scalar(select(RoutingRule).where(RoutingRule.category == code)) if _plain(code, 64) else None
    if rule is None:
        raise Open311Error(404, f"服务代码 {code[:64]} 不存在")
    return rule


def service_dict(rule: RoutingRule) -> dict:
    """A category as an Open311 service (group = the department handling it)."""
    covers = [part for part in rule.covers.split("；") if part]
    return {"service_code": rule.category, "service_name": rule.name, "description": "；".join(covers) or rule.name,
            "metadata": True, "type": "realtime", "keywords": ",".join(covers), "group": rule.department.name}


def definition_dict(rule: RoutingRule) -> dict:
    """A service's attributes: the street, the petition's type and its urgency."""
    streets = directory.list_streets()
    return {"service_code": rule.category, "attributes": [
        _attribute("street", 1, "所在街道；不填时按 lat/long 或 address_string 判断",
                   [(s.code, s.name) for s in streets]),
        _attribute("type", 2, "诉求类型，默认“投诉”", [(t, t) for t in TYPES]),
        _attribute("urgency", 3, "紧急程度，默认 normal", [("normal", "一般"), ("urgent", "紧急")]),
    ]}


def _attribute(code: str, order: int, description: str, values: list[tuple[str, str]]) -> dict:
    return {"variable": True, "code": code, "datatype": "singlevaluelist", "required": False,
            "datatype_description": "从 values 中选择一个 key", "order": order, "description": description,
            "values": [{"key": key, "name": name} for key, name in values]}


# --- requests -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Filer:
    """The partner's resident as intake sees a filer; no openid: WeChat checks texts only of its own users."""

    id: int
    openid: None = None


def submit(*, partner: Partner, data: dict) -> tuple[PartnerRequest, bool]:
    """Files a request as a petition through the same intake and workflow as the mini-program; the partner's
    partner_request_id makes retries return the first one. Returns (request, created); commits."""
    try:
        rule = get_service(code=data["service_code"])
    except Open311Error as exc:
        raise Open311Error(400, exc.description) from exc  # a bad field of the request, not a missing resource
    street = _street(data)
    key = intake.check_idempotency_key(data.get("partner_request_id"))
    petition_data = {
        "type": data.get("type") or "投诉", "content": data["description"], "street": street.code,
        "community": None, "address": (data.get("address_string") or "")[:200], "latitude": data.get("lat"),
        "longitude": data.get("long"), "contact_consent": False, "urgency": data.get("urgency") or "normal",
    }
    petition, created = intake.submit(resident=_Filer(partner.resident_id), data=petition_data, uploads=[],
                                      idempotency_key=key, source="open311")
    if created:
        petition_flows.route_after_commit(petition.id)
    found = db.session.scalar(select(PartnerRequest).where(PartnerRequest.petition_id == petition.id))
    if found is not None:
        return found, False
    request = PartnerRequest(petition_id=petition.id, partner_id=partner.id, service_code=rule.category,
                             token=secrets.token_urlsafe(18), created_at=utcnow())
    db.session.add(request)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent retry recorded it first
        db.session.rollback()
        return db.session.scalar(select(PartnerRequest).where(PartnerRequest.petition_id == petition.id)), False
    return request, created


def _street(data: dict) -> Street:
    if data.get("street"):
        street = directory.get_street_by_code(code=data["street"])
        if street is None:
            raise Open311Error(400, "attribute[street] 不是本区的街道代码（见 services/{code}.json）")
        return street
    if data.get("lat") is not None:
        street = directory.nearest_street(latitude=data["lat"], longitude=data["long"])
        if street is None:
            raise Open311Error(400, "lat/long 不在江宁区范围内")
        return street
    if data.get("address_string"):
        street = directory.street_named_in(data["address_string"])
        if street is None:
            raise Open311Error(400, "无法从 address_string 判断所在街道，请提供 lat/long 或 attribute[street]")
        return street
    raise Open311Error(400, "请提供位置：lat 和 long、address_string 或 attribute[street]")


def get_request(*, service_request_id: str) -> PartnerRequest:
    """A request filed through Open311 by its id (the petition's number); Open311Error 404 otherwise."""
    found = db.session.scalar(select(PartnerRequest).join(PartnerRequest.petition).where(
        Petition.number == service_request_id)) if _plain(service_request_id, 20) else None
    if found is None:
        raise Open311Error(404, "找不到该诉求")
    return found


def get_by_token(*, token: str) -> PartnerRequest:
    """A request by the token its POST answered with; Open311Error 404 otherwise."""
    found = db.session.scalar(select(PartnerRequest).where(PartnerRequest.token == token)) \
        if _plain(token, 40) else None
    if found is None:
        raise Open311Error(404, "找不到该 token")
    return found


def _plain(value: str, limit: int) -> bool:
    """Whether an identifier from a URL could be one of ours (PostgreSQL refuses NUL characters outright)."""
    return len(value) <= limit and value.isprintable()


def list_requests(*, args: dict) -> list[PartnerRequest]:
    """Requests filed through Open311, newest first: by ids, or filtered by service, time and status (default the
    last 90 days), at most MAX_RESULTS."""
    query = select(PartnerRequest).join(PartnerRequest.petition)
    if args.get("service_request_id"):
        ids = [part.strip() for part in args["service_request_id"].split(",") if part.strip()][:MAX_IDS]
        query = query.where(Petition.number.in_(ids))
    else:
        end = args.get("end_date") or utcnow()
        start = args.get("start_date") or end - timedelta(days=DEFAULT_DAYS)
        query = query.where(Petition.created_at >= start, Petition.created_at <= end)
        if args.get("service_code"):
            query = query.where(PartnerRequest.service_code.in_(args["service_code"].split(",")))
        wanted = set((args.get("status") or "open,closed").split(","))
        if wanted == {"open"}:
            query = query.where(Petition.status.in_(OPEN_STATES))
        elif wanted == {"closed"}:
            query = query.where(Petition.status.in_(states.FINAL))
    return list(db.session.scalars(query.order_by(Petition.created_at.desc(), Petition.id.desc()).limit(MAX_RESULTS)))


def request_dict(request: PartnerRequest, rules: dict[str, RoutingRule] | None = None) -> dict:
    """A petition as an Open311 service request, without personal data: the description and notes masked, the
    place as its street, the position rounded to about 100 m."""
    petition = request.petition
    rule = (rules or {}).get(request.service_code) or db.session.scalar(
        select(RoutingRule).where(RoutingRule.category == request.service_code))
    closed = petition.status in states.FINAL
    return {
        "service_request_id": petition.number,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(petition),
        "service_name": rule.name if rule else None,
        "service_code": request.service_code,
        "description": mask_text(petition.content),
        "agency_responsible": petition.department.name if petition.department else None,
        "service_notice": None if closed else f"答复时限：{_w3c(petition.reply_by)}",
        "requested_datetime": _w3c(petition.created_at),
        "updated_datetime": _w3c(petition.updated_at),
        "expected_datetime": None if closed else _w3c(petition.reply_by),
        "address": f"{directory.DISTRICT_NAME}{petition.street.name}",
        "address_id": None,
        "zipcode": None,
        "lat": round(petition.latitude, 3) if petition.latitude is not None else None,
        "long": round(petition.longitude, 3) if petition.longitude is not None else None,
        "media_url": None,
    }


def _status_notes(petition: Petition) -> str:
    label = states.RESIDENT_LABELS[petition.status]
    if petition.replies and petition.status in (states.REPLIED, states.CLOSED):
        return f"{label}：{mask_text(petition.replies[-1].content)[:500]}"
    return label


def _w3c(moment: datetime | None) -> str | None:
    return moment.astimezone(BEIJING).isoformat(timespec="seconds") if moment else None


def rules_by_code() -> dict[str, RoutingRule]:
    """Every routing rule by category, to describe many requests with one query."""
    return {rule.category: rule for rule in list_services()}


def count_requests(*, partner_id: int) -> int:
    """How many requests a partner has filed."""
    return db.session.scalar(select(func.count()).select_from(PartnerRequest)
                             .where(PartnerRequest.partner_id == partner_id)) or 0
