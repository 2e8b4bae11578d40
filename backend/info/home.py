"""GET /api/mp/home in one call: alerts, weather, my street's notices, activities near me.

Alerts and activities belong to other domains; they fill their section by registering a function here
(`register_section("alerts", "backend.alerts.home:for_home")`, e.g. from their module's import in
`SECTIONS` below). Until then the section is an empty list. A section function takes a HomeContext and
returns a list of JSON-ready dicts; one that fails is logged and answered as an empty list, so a broken
domain never breaks the home page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from sqlalchemy import bindparam, select

from backend.directory.models import Community, Street
from backend.info import snapshots
from backend.info.notices import service as notices
from backend.info.places import DISTRICT, places
from backend.info.weather import service as weather
from backend.residents.models import Resident

log = logging.getLogger(__name__)
HOME_NOTICES = 5
# Sections filled by other domains: name → "module:function" (or a callable). Emergency alerts and
# volunteer activities register theirs here.
SECTIONS: dict[str, Callable | str] = {}


@dataclass(frozen=True)
class HomeContext:
    """Who is asking and where they live (ids and codes may be None when the profile has no home yet)."""

    resident_id: int
    street_id: int | None
    street_code: str | None
    community_id: int | None


def register_section(name: str, func: Callable[[HomeContext], list] | str) -> None:
    """Makes `func` fill the home section `name` ("alerts", "activities")."""
    SECTIONS[name] = func


def unregister_section(name: str) -> None:
    """Removes a section's function (tests)."""
    SECTIONS.pop(name, None)


def _section(name: str, context: HomeContext) -> list:
    func = SECTIONS.get(name)
    if func is None:
        return []
    if isinstance(func, str):
        module, _, attr = func.partition(":")
        func = SECTIONS[name] = getattr(import_module(module), attr)
    try:
        return list(func(context))
    except Exception:  # noqa: BLE001 — another domain's failure must not take the home page down
        log.exception("home section %s failed", name)
        return []


_HOME_OF = (
    select(Resident.street_id, Street.code, Street.name, Resident.community_id, Community.code, Community.name)
    .select_from(Resident).outerjoin(Street, Street.id == Resident.street_id)
    .outerjoin(Community, Community.id == Resident.community_id)
    .where(Resident.id == bindparam("resident_id"))
)


def build(*, resident_id: int) -> dict | None:
    """The home feed of a resident, JSON-ready (HomeSchema's shape; None when the resident no longer exists)."""
    from backend.extensions import db

    row = db.session.execute(_HOME_OF, {"resident_id": resident_id}).first()
    if row is None:
        return None
    street_id, street_code, street_name, community_id, community_code, community_name = row
    context = HomeContext(resident_id, street_id, street_code, community_id)
    place = street_code if street_code in places() else DISTRICT
    snapshot = snapshots.read(weather.key(place), max_age=weather.max_age())
    items, unread = notices.home_notices(resident_id=resident_id, street_id=street_id, community_id=community_id,
                                         limit=HOME_NOTICES)
    shown = weather.render(place, snapshot)
    if shown is not None:
        shown["updated_at"] = shown["updated_at"].isoformat()
    return {
        "street": {"code": street_code, "name": street_name} if street_code else None,
        "community": {"code": community_code, "name": community_name} if community_code else None,
        "alerts": _section("alerts", context),
        "weather": shown,
        "notices": {"items": items, "unread": unread},
        "activities": _section("activities", context),
    }
