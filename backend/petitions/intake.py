"""Filing a petition: content check, idempotency, a race-free public number, one transaction."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, bindparam, cast, func, insert, literal, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, ProgrammingError

from backend.calendar.service import local_date
from backend.core.models import utcnow
from backend.directory.models import Street
from backend.extensions import database_key, db
from backend.petitions import deadlines, moderation, states
from backend.petitions import photos as photo_store
from backend.petitions.errors import PetitionError, invalid
from backend.petitions.models import Petition, PetitionCounter, PetitionPhoto, PetitionTransition

HASHED_FIELDS = ("type", "content", "street", "community", "address", "latitude", "longitude",
                 "contact_consent", "urgency")
PLACES_CACHE_SECONDS = 300.0
_places: dict[str, tuple[float, dict]] = {}
_places_lock = threading.Lock()


def check_idempotency_key(key: str | None) -> str | None:
    """The header's key, or 422 when it is not 1–64 printable ASCII characters."""
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= 64 or not key.isascii() or not key.isprintable():
        raise invalid("Idempotency-Key", "请求标识（Idempotency-Key）应为 1 到 64 个英文字母、数字或符号")
    return key


def body_hash(data: dict, uploads: list) -> str:
    """A fingerprint of what was submitted, to tell a retry from a different petition."""
    body = {field: data.get(field) for field in HASHED_FIELDS}
    body["photos"] = [upload.sha256 for upload in uploads]
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def places() -> dict[str, tuple[int, dict[str, int]]]:
    """street code → (street id, {community code → id}), cached because the directory rarely changes."""
    key = database_key()
    with _places_lock:
        cached = _places.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    table = {
        street.code: (street.id, {c.code: c.id for c in street.communities})
        for street in db.session.scalars(select(Street))
    }
    with _places_lock:
        _places[key] = (time.monotonic() + PLACES_CACHE_SECONDS, table)
    return table


def resolve_place(data: dict) -> tuple[int, int | None]:
    """(street id, community id) for the codes given; 422 for an unknown one."""
    street = places().get(data["street"])
    if street is None:
        raise invalid("street", "所选街道不存在，请重新选择")
    community_code = data.get("community")
    if not community_code:
        return street[0], None
    community_id = street[1].get(community_code)
    if community_id is None:
        raise invalid("community", "所选社区不存在或不属于该街道")
    return street[0], community_id


def next_number(day: date):
    """The day's next public number: a string (SQLite), or an SQL expression evaluated by the INSERT (PostgreSQL)."""
    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite serialises writers anyway: count inside the filing's own transaction.
        value = db.session.execute(_bump(day)).scalar_one()
        return f"JN{day:%Y%m%d}-{value:04d}"
    # PostgreSQL: one sequence per day. nextval() takes no row lock and costs no round trip of its own,
    # so concurrent filings never queue behind each other's commits (a counter row would serialise them).
    sequence = _day_sequence(day)
    prefix = f"JN{day:%Y%m%d}-"
    return text(
        f"(SELECT '{prefix}' || lpad(n::text, greatest(4, length(n::text)), '0') FROM nextval('{sequence}') AS n)"
    )


_sequences_ready: set[tuple[str, str]] = set()
SEQUENCE_PREFIX = "petition_number_"
SEQUENCE_KEEP_DAYS = 3


def _day_sequence(day: date) -> str:
    """The name of the day's number sequence, created (and old ones dropped) once per process and day."""
    name = f"{SEQUENCE_PREFIX}{day:%Y%m%d}"
    key = (database_key(), name)
    if key in _sequences_ready:
        return name
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        # After a restore or a lost sequence, continue after the day's highest number already used.
        used = connection.scalar(text(
            "SELECT max(CAST(substr(number, 12) AS integer)) FROM petitions WHERE number LIKE :day"
        ), {"day": f"JN{day:%Y%m%d}-%"}) or 0
        try:
            connection.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {used + 1}"))
        except (IntegrityError, ProgrammingError):
            # Another process created it at the same moment (IF NOT EXISTS is not race-free in PostgreSQL).
            pass
        oldest = f"{SEQUENCE_PREFIX}{day - timedelta(days=SEQUENCE_KEEP_DAYS):%Y%m%d}"
        old = connection.scalars(text(
            "SELECT relname FROM pg_class WHERE relkind = 'S' AND relname LIKE :pattern AND relname < :oldest"
        ), {"pattern": SEQUENCE_PREFIX + "%", "oldest": oldest}).all()
        for stale in old:
            connection.execute(text(f"DROP SEQUENCE IF EXISTS {stale}"))
    _sequences_ready.add(key)
    return name


def _bump(day: date):
    # The first filing of a day starts after the day's highest number already used (a lost counter row
    # must not hand out numbers again); later ones add one.
    used = select(func.coalesce(func.max(cast(func.substr(Petition.number, 12), Integer)), 0)).where(
        Petition.number.like(f"JN{day:%Y%m%d}-%")).scalar_subquery()
    statement = sqlite_insert(PetitionCounter).values(day=day, value=used + 1)
    return statement.on_conflict_do_update(
        index_elements=[PetitionCounter.day], set_={"value": PetitionCounter.value + 1}
    ).returning(PetitionCounter.value)


@dataclass(frozen=True)
class Filed:
    """What the resident is told about a petition just filed (the same fields a replayed Petition has)."""

    id: int
    number: str
    status: str
    reply_by: datetime
    department: None = None


_BY_KEY = select(Petition.id, Petition.body_hash).where(
    Petition.resident_id == bindparam("resident_id"), Petition.idempotency_key == bindparam("key"))


def _replay(*, resident_id: int, key: str, fingerprint: str) -> Petition | None:
    """The petition filed earlier with this key (None if none); 422 when its body was different."""
    # Ids and hashes first: the full petition is loaded only for an actual retry.
    found = db.session.execute(_BY_KEY, {"resident_id": resident_id, "key": key}).first()
    if found is None:
        return None
    if found.body_hash != fingerprint:
        raise PetitionError(422, "该请求标识（Idempotency-Key）已用于另一条不同内容的诉求，请勿重复使用",
                            {"Idempotency-Key": ["与之前提交的内容不一致"]})
    return db.session.get(Petition, found.id)


def submit(*, resident, data: dict, uploads: list, idempotency_key: str | None,
           source: str = "form") -> tuple[Petition | Filed, bool]:
    """Files a petition for a resident (anything with .id and .openid) and commits; returns (petition,
    created). A retry returns the first petition."""
    fingerprint = body_hash(data, uploads)
    if idempotency_key and uploads:
        # With photos, look first: a retry should not store them again. Without, the INSERT finds out.
        existing = _replay(resident_id=resident.id, key=idempotency_key, fingerprint=fingerprint)
        if existing is not None:
            return existing, False
    street_id, community_id = resolve_place(data)
    reason = moderation.check_text(openid=resident.openid, text=data["content"] + "\n" + data.get("address", ""))
    if reason:
        raise invalid("content", reason)
    stored = photo_store.store(uploads)
    try:
        filed = _file(resident.id, data, stored, street_id, community_id, idempotency_key,
                                   fingerprint, source)
    except Exception:
        db.session.rollback()
        photo_store.discard([key for _, key in stored])
        raise
    if filed is None:
        # The key was used before (or by a concurrent retry, whose commit the INSERT waited for).
        photo_store.discard([key for _, key in stored])
        existing = _replay(resident_id=resident.id, key=idempotency_key, fingerprint=fingerprint)
        if existing is None:
            raise AssertionError("an Idempotency-Key conflict without the petition that holds the key")
        return existing, False
    return filed, True


def _file(*args) -> Filed | None:
    filed = _insert(*args)
    if filed is None:
        db.session.rollback()  # nothing was written but, on SQLite, the day's counter
    else:
        db.session.commit()
    return filed


_PETITIONS, _TRANSITIONS, _PHOTOS = Petition.__table__, PetitionTransition.__table__, PetitionPhoto.__table__
_FILED_COLUMNS = ("resident_id", "type", "content", "street_id", "community_id", "address", "latitude", "longitude",
                  "contact_consent", "urgency", "source", "status", "accept_by", "reply_by", "close_by",
                  "idempotency_key", "body_hash", "created_at", "updated_at")
_SUBMIT_AUDIT = {"action": "submit", "from_status": None, "to_status": states.SUBMITTED, "actor_kind": "resident",
                 "actor_role": None}
_ADD_TRANSITION = insert(_TRANSITIONS).values(**_SUBMIT_AUDIT)
_filing_statements: dict[tuple[str, str], object] = {}


def _skip_key_conflict(statement):
    # A retry with a used Idempotency-Key inserts nothing and returns no row (no error, no aborted
    # transaction); concurrent retries wait for the first one's commit and then find it.
    return statement.on_conflict_do_nothing(index_elements=["resident_id", "idempotency_key"])


def _filing_statement(day: date):
    """The statement that files a petition on a day and returns (id, number); on PostgreSQL it writes the
    audit row too. Built once per day: building a statement costs more CPU than the database spends on it."""
    if db.session.get_bind().dialect.name != "postgresql":  # SQLite: the counter's value, new every time
        return _skip_key_conflict(sqlite_insert(_PETITIONS).values(number=next_number(day))).returning(
            _PETITIONS.c.id, _PETITIONS.c.number)
    key = (database_key(), day.isoformat())
    statement = _filing_statements.get(key)
    if statement is None:
        if len(_filing_statements) > 16:
            _filing_statements.clear()
        number = next_number(day)
        # One round trip: the petition and its "submit" audit row in one statement (data-modifying CTEs).
        filed = _skip_key_conflict(pg_insert(_PETITIONS).values(
            number=number, **{name: bindparam(name, type_=_PETITIONS.c[name].type) for name in _FILED_COLUMNS}
        )).returning(_PETITIONS.c.id, _PETITIONS.c.number).cte("filed")
        audit = insert(_TRANSITIONS).from_select(
            ["petition_id", *_SUBMIT_AUDIT, "actor_id", "at", "reason"],
            select(filed.c.id, *(literal(value, _TRANSITIONS.c[name].type) for name, value in _SUBMIT_AUDIT.items()),
                   bindparam("actor_id", type_=_TRANSITIONS.c.actor_id.type),
                   bindparam("at", type_=_TRANSITIONS.c.at.type),
                   bindparam("reason", type_=_TRANSITIONS.c.reason.type)),
        ).cte("audit")
        statement = _filing_statements[key] = select(filed.c.id, filed.c.number).add_cte(audit)
    return statement


def _insert(resident_id, data, stored, street_id, community_id, key, fingerprint, source) -> Filed | None:
    # Core statements rather than a unit-of-work flush: filing is the hot path.
    now = utcnow()
    accept_by, reply_by, close_by = deadlines.compute(type=data["type"], urgency=data["urgency"], start=now)
    statement = _filing_statement(local_date(now))
    audit = {"actor_id": resident_id, "at": now, "reason": "机器人对话" if source == "bot" else None}
    row = db.session.execute(statement, {
        "resident_id": resident_id, "type": data["type"], "content": data["content"], "street_id": street_id,
        "community_id": community_id, "address": data.get("address", ""), "latitude": data.get("latitude"),
        "longitude": data.get("longitude"), "contact_consent": data["contact_consent"], "urgency": data["urgency"],
        "source": source, "status": states.SUBMITTED, "accept_by": accept_by, "reply_by": reply_by,
        "close_by": close_by, "idempotency_key": key, "body_hash": fingerprint, "created_at": now, "updated_at": now,
        **audit,
    }).one_or_none()
    if row is None:
        return None
    petition_id, number = row
    if not statement.is_select:
        db.session.execute(_ADD_TRANSITION, {"petition_id": petition_id, **audit})
    if stored:
        db.session.execute(insert(_PHOTOS), [
            {"petition_id": petition_id, "position": i, "storage_key": k, "content_type": u.content_type,
             "size": len(u.data), "sha256": u.sha256, "created_at": now}
            for i, (u, k) in enumerate(stored)
        ])
    return Filed(petition_id, number, states.SUBMITTED, reply_by)
