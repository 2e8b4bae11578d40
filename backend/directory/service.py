"""Directory services: departments, streets, staff accounts and sign-in."""

from __future__ import annotations

import math

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from backend.core.models import utcnow
from backend.core.security import STAFF_ROLES
from backend.directory.models import Community, Department, Staff, Street
from backend.extensions import db

# A valid hash to compare against when the username is unknown, so timing does not reveal it.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def list_departments() -> list[Department]:
    """Lists all departments ordered by code."""
    return list(db.session.scalars(select(Department).order_by(Department.id)))


def get_department_by_code(*, code: str) -> Department | None:
    """Gets a department by its public code."""
    return db.session.scalar(select(Department).where(Department.code == code))


def list_streets() -> list[Street]:
    """Lists all streets with their communities."""
    return list(db.session.scalars(select(Street).order_by(Street.id)))


def get_street_by_code(*, code: str) -> Street | None:
    """Gets a street by its public code."""
    return db.session.scalar(select(Street).where(Street.code == code))


# A location farther than this from every street office is outside the county.
NEAREST_STREET_MAX_KM = 25.0
EARTH_RADIUS_KM = 6371.0
DISTRICT_NAME = "江宁区"


def nearest_street(*, latitude: float, longitude: float) -> Street | None:
    """The street whose office is nearest to a WGS84 position, or None when the position is outside the county."""
    best, best_km = None, NEAREST_STREET_MAX_KM
    for street in db.session.scalars(select(Street).where(Street.latitude.is_not(None))):
        km = distance_km(latitude, longitude, street.latitude, street.longitude)
        if km <= best_km:
            best, best_km = street, km
    return best


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two WGS84 positions (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def street_named_in(text: str) -> Street | None:
    """The first street whose name (东山街道) or short name (东山) appears in a text, longest names first."""
    streets = list(db.session.scalars(select(Street)))
    for street in streets:
        if street.name in text:
            return street
    # 江宁街道's short name is also the district's: "江宁区" alone names no street.
    text = text.replace(DISTRICT_NAME, "")
    for street in streets:
        short = street.name.removesuffix("街道")
        if len(short) >= 2 and short in text:
            return street
    return None


def get_community_by_code(*, code: str) -> Community | None:
    """Gets a community by its public code."""
    return db.session.scalar(select(Community).where(Community.code == code))


def get_staff(*, staff_id: int) -> Staff | None:
    """Gets a staff account by id."""
    return db.session.get(Staff, staff_id)


def get_staff_by_username(*, username: str) -> Staff | None:
    """Gets a staff account by username."""
    return db.session.scalar(select(Staff).where(Staff.username == username))


def create_staff(
    *, username: str, password: str, role: str, display_name: str, department: Department | None = None,
    is_demo: bool = False,
) -> Staff:
    """Creates a staff account with a hashed password."""
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")
    if role == "clerk" and department is None:
        raise ValueError("a clerk belongs to a department")
    staff = Staff(
        username=username, display_name=display_name, role=role, department=department,
        password_hash=generate_password_hash(password), is_demo=is_demo,
    )
    db.session.add(staff)
    return staff


def set_password(*, staff: Staff, password: str) -> None:
    """Changes a password and revokes every token and console session issued before."""
    from backend.directory import sessions

    staff.password_hash = generate_password_hash(password)
    staff.token_version += 1
    sessions.close_all(staff_id=staff.id)


def check_password(*, staff: Staff, password: str) -> bool:
    """True when the password is the account's current one."""
    return check_password_hash(staff.password_hash, password)


def authenticate(*, username: str, password: str) -> Staff | None:
    """Returns the active account whose password matches, or None."""
    staff = get_staff_by_username(username=username)
    if staff is None or not staff.is_active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(staff.password_hash, password):
        return None
    staff.last_login_at = utcnow()
    return staff


def demo_accounts_present() -> bool:
    """True when an account with the published demo password still exists."""
    return db.session.scalar(select(Staff.id).where(Staff.is_demo.is_(True)).limit(1)) is not None


class LoginThrottled(Exception):
    """Too many failed sign-ins: the account is locked (account=True) or this address is."""

    def __init__(self, retry_after: int, *, account: bool):
        super().__init__(retry_after)
        self.retry_after = retry_after
        self.account = account


def sign_in(*, username: str, password: str, client_ip: str, max_failures: int, window: int) -> Staff | None:
    """Checks credentials under a failure limit per account (a lockout of `window` seconds after the last
    allowed failure) and per address; commits the login time."""
    from backend.core import ratelimit

    account, address = f"user:{username.lower()}", f"ip:{client_ip}"
    # The attempt is counted before the password is checked: concurrent guesses each get their own number,
    # so no more than max_failures of them are ever checked (a successful sign-in resets the count).
    attempt = ratelimit.hit("login", account, window)
    if attempt > max_failures:
        raise LoginThrottled(ratelimit.peek("login", account).seconds_left or window, account=True)
    by_address = ratelimit.peek("login", address)
    if by_address.count >= max_failures * 4:
        raise LoginThrottled(by_address.seconds_left or window, account=False)
    staff = authenticate(username=username, password=password)
    if staff is None:
        if attempt == max_failures:
            ratelimit.extend("login", account, window)
        ratelimit.hit("login", address, window)
        return None
    ratelimit.reset("login", account)  # commits the login time too
    return staff
