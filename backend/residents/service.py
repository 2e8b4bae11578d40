"""Resident services: WeChat sign-in, profile and access to personal data."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from backend.core import crypto, masking, ratelimit
from backend.directory import service as directory
from backend.extensions import db
from backend.residents.models import Resident

# Attempts (not failures) per address and minute: every opening of the mini-program signs in once.
LOGIN_WINDOW = 60


class LoginThrottled(Exception):
    """Too many sign-in attempts from this address."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class ProfileError(ValueError):
    """A profile change that the schema cannot judge alone (unknown code, community of another street)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def get(*, resident_id: int) -> Resident | None:
    """Gets a resident by id."""
    return db.session.get(Resident, resident_id)


def get_by_openid(*, openid: str) -> Resident | None:
    """Gets a resident by their WeChat openid."""
    return db.session.scalar(select(Resident).where(Resident.openid == openid))


_OPENID = select(Resident.openid).where(Resident.id == bindparam("resident_id"))


def openid_of(resident_id: int) -> str | None:
    """The resident's openid, or None when there is no such resident (their tokens stop working)."""
    return db.session.execute(_OPENID, {"resident_id": resident_id}).scalar()


def sign_in_with_code(*, code: str, client_ip: str, max_per_ip: int) -> Resident:
    """Exchanges a wx.login() code through WeChat and signs the resident in; raises the gateway's errors."""
    from integrations.wechat import get_gateway

    if ratelimit.hit("mp_login", f"ip:{client_ip}", LOGIN_WINDOW) > max_per_ip:
        raise LoginThrottled(LOGIN_WINDOW)
    session = get_gateway().code_to_session(code)
    return upsert(openid=session.openid, session_key=session.session_key, unionid=session.unionid)


def get_or_create(*, openid: str) -> Resident:
    """The resident of an openid, created (not yet committed) when new."""
    resident = get_by_openid(openid=openid)
    if resident is None:
        try:
            with db.session.begin_nested():
                resident = Resident(openid=openid)
                db.session.add(resident)
        except IntegrityError:
            # The same resident arrived twice at once; the other request created the row.
            resident = get_by_openid(openid=openid)
    return resident


def upsert(*, openid: str, session_key: str, unionid: str | None = None) -> Resident:
    """Creates or updates the resident of an openid with a fresh session key; commits."""
    resident = get_or_create(openid=openid)
    resident.session_key_encrypted = crypto.encrypt("wechat_session_key", session_key)
    if unionid:
        resident.unionid = unionid
    db.session.commit()
    return resident


def update_profile(*, resident: Resident, changes: dict) -> Resident:
    """Applies validated profile changes (nickname, phone, street_code, community_code); commits."""
    # Resolved first: a ProfileError must leave the resident untouched.
    street, community = _resolve_home(resident, changes)
    if "nickname" in changes:
        resident.nickname = changes["nickname"]
    if "phone" in changes:
        _set_phone(resident, changes["phone"])
    resident.street, resident.community = street, community
    db.session.commit()
    return resident


def _set_phone(resident: Resident, phone: str | None) -> None:
    if phone:
        resident.phone_encrypted = crypto.encrypt("phone", phone)
        resident.phone_last4 = phone[-4:]
    else:
        resident.phone_encrypted = resident.phone_last4 = None


def _resolve_home(resident: Resident, changes: dict):
    street = resident.street
    if "street_code" in changes:
        street = _lookup(directory.get_street_by_code, "street_code", changes["street_code"], "未知的街道")
    community = resident.community
    if "community_code" in changes:
        community = _lookup(directory.get_community_by_code, "community_code", changes["community_code"], "未知的社区")
    elif "street_code" in changes and street is None:
        community = None  # clearing the street clears the community too
    if community is not None:
        if street is None:
            street = community.street
        elif community.street_id != street.id:
            if "community_code" in changes:
                raise ProfileError("community_code", f"该社区不属于{street.name}")
            community = None  # moved to another street: the old community no longer applies
    return street, community


def _lookup(getter, field: str, code: str | None, message: str):
    if code is None:
        return None
    found = getter(code=code)
    if found is None:
        raise ProfileError(field, message)
    return found


def mask_phone(resident: Resident) -> str | None:
    """The resident's phone as 138****5678, or None when they gave none."""
    if not resident.phone_encrypted:
        return None
    phone = crypto.decrypt("phone", resident.phone_encrypted)
    # Unreadable (key rotated): the last four digits kept in clear are still enough to mask.
    return masking.mask_phone(phone) if phone else "*******" + (resident.phone_last4 or "****")


def decrypt_phone(resident: Resident) -> str | None:
    """The full phone number; only for staff whose access check allows contacting the resident."""
    return crypto.decrypt("phone", resident.phone_encrypted)


def session_key(resident: Resident) -> str | None:
    """The WeChat session key (server side only, e.g. to decrypt wx.getPhoneNumber data)."""
    return crypto.decrypt("wechat_session_key", resident.session_key_encrypted)
