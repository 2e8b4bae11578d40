"""Health facilities: editing (audited), and answering "where to see X" by specialty and street."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.audit import service as audit
from backend.core.security import Principal
from backend.directory import service as directory
from backend.extensions import db
from backend.info.errors import InfoError, invalid
from backend.info.health.models import Facility
from backend.info.health.specialties import SPECIALTIES
from backend.info.places import distance_km, places

FIELDS = ("name", "kind", "level", "address", "phone", "departments", "outpatient_hours", "emergency_hours",
          "weekend_clinic", "lat", "lon", "is_active")
KINDS = {"hospital": "医院", "health_centre": "社区卫生服务中心"}


def get_by_code(*, code: str) -> Facility | None:
    """A facility by code."""
    return db.session.scalar(select(Facility).where(Facility.code == code))


def all_facilities(*, active_only: bool = True) -> list[Facility]:
    """Facilities, hospitals first, then by code."""
    query = select(Facility).order_by(Facility.kind.desc(), Facility.code)
    if active_only:
        query = query.where(Facility.is_active.is_(True))
    return list(db.session.scalars(query).unique())


def _apply(facility: Facility, data: dict) -> None:
    for field in FIELDS:
        if field in data:
            setattr(facility, field, data[field])
    if "street_code" in data:
        street = directory.get_street_by_code(code=data["street_code"])
        if street is None:
            raise invalid("street_code", "未知的街道")
        facility.street = street


def create(*, data: dict, actor: Principal) -> Facility:
    """Adds a facility (commits, audited)."""
    facility = Facility(code=data["code"])
    _apply(facility, data)
    db.session.add(facility)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise InfoError("conflict", "机构编码已存在", "code") from exc
    audit.record(actor=actor, action="create", subject_type="health_facility", subject_id=facility.code)
    db.session.commit()
    return facility


def update(*, facility: Facility, data: dict, actor: Principal) -> Facility:
    """Changes a facility (commits, audited with the fields changed)."""
    _apply(facility, data)
    audit.record(actor=actor, action="update", subject_type="health_facility", subject_id=facility.code,
                 detail={"fields": sorted(data)})
    db.session.commit()
    return facility


class FacilityMatch:
    """A facility found for a question, with its distance and the department that matched (reads through)."""

    def __init__(self, facility: Facility, distance_km: float | None, matched_department: str | None):
        self.facility, self.distance_km, self.matched_department = facility, distance_km, matched_department

    def __getattr__(self, name):
        return getattr(self.facility, name)


def find(*, specialty: str | None = None, street_code: str | None = None, weekend: bool = False,
         emergency: bool = False, limit: int = 20) -> list[FacilityMatch]:
    """Facilities that see the specialty (all when None), the street's own first, then by distance from the
    street's centre."""
    origin = places().get(street_code or "")
    rows = []
    for facility in all_facilities():
        departments = list(facility.departments or [])
        if specialty == "急诊" or emergency:
            if not facility.emergency_hours:
                continue
        elif specialty and specialty not in departments:
            continue
        if weekend and not facility.weekend_clinic:
            continue
        distance = None
        if origin is not None and facility.lat is not None and facility.lon is not None:
            distance = distance_km(origin.lon, origin.lat, facility.lon, facility.lat)
        same_street = origin is not None and facility.street.code == origin.code
        rows.append((0 if same_street else 1, distance if distance is not None else 999, facility, distance))
    rows.sort(key=lambda row: (row[0], row[1], row[2].kind != "hospital", row[2].code))
    matched = specialty if specialty in SPECIALTIES else None
    return [FacilityMatch(f, round(d, 1) if d is not None else None, matched) for _, _, f, d in rows[:limit]]
