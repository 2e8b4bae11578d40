"""Filing a petition: content check, idempotency, a race-free public number, one transaction."""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError

from backend.calendar.service import local_date
from backend.core.models import utcnow
from backend.directory.models import Street
from backend.extensions import db
from backend.petitions import deadlines, moderation, states
from backend.petitions import photos as photo_store
from backend.petitions.errors import PetitionError, invalid
from backend.petitions.models import Petition, PetitionCounter, PetitionPhoto, PetitionTransition
from backend.residents.models import Resident

HASHED_FIELDS = ("type", "content", "street", "community", "address", "latitude", "longitude",
                 "contact_consent", "urgency")
PLACES_CACHE_SECONDS = 300.0
SQLITE_LOCK_RETRIES = 20
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
    key = str(db.engine.url)
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


def next_number(day: date) -> str:
    """Bumps the day's counter atomically and formats the number (unique; gaps when a filing fails)."""
    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite serialises writers anyway: count inside the filing's own transaction.
        value = db.session.execute(_bump(sqlite_insert, day)).scalar_one()
        return f"JN{day:%Y%m%d}-{value:04d}"
    # PostgreSQL: a transaction of its own, so the hot counter row is not locked while the filing commits.
    # Its commit need not wait for the disk: a petition using the number commits synchronously later, and
    # flushing the write-ahead log up to that commit makes this earlier increment durable too.
    with db.engine.begin() as connection:
        connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
        value = connection.execute(_bump(pg_insert, day)).scalar_one()
    return f"JN{day:%Y%m%d}-{value:04d}"


def _bump(insert, day: date):
    statement = insert(PetitionCounter).values(day=day, value=1)
    return statement.on_conflict_do_update(
        index_elements=[PetitionCounter.day], set_={"value": PetitionCounter.value + 1}
    ).returning(PetitionCounter.value)


def find_by_key(*, resident_id: int, key: str) -> Petition | None:
    """The resident's petition filed with an Idempotency-Key."""
    return db.session.scalar(
        select(Petition).where(Petition.resident_id == resident_id, Petition.idempotency_key == key)
    )


def _replay(existing: Petition, fingerprint: str) -> Petition:
    if existing.body_hash != fingerprint:
        raise PetitionError(422, "该请求标识（Idempotency-Key）已用于另一条不同内容的诉求，请勿重复使用",
                            {"Idempotency-Key": ["与之前提交的内容不一致"]})
    return existing


def submit(*, resident: Resident, data: dict, uploads: list, idempotency_key: str | None,
           source: str = "form") -> tuple[Petition, bool]:
    """Files a petition and commits; returns (petition, created). A retry returns the first one."""
    fingerprint = body_hash(data, uploads)
    # Look first, so a retry costs no content check, no stored files and no number; the unique
    # constraint still catches retries racing each other.
    if idempotency_key:
        existing = find_by_key(resident_id=resident.id, key=idempotency_key)
        if existing is not None:
            return _replay(existing, fingerprint), False
    street_id, community_id = resolve_place(data)
    reason = moderation.check_text(openid=resident.openid, text=data["content"] + "\n" + data.get("address", ""))
    if reason:
        raise invalid("content", reason)
    stored = photo_store.store(uploads)
    try:
        petition = _insert_with_retry(resident, data, stored, street_id, community_id, idempotency_key,
                                      fingerprint, source)
    except IntegrityError:
        db.session.rollback()
        photo_store.discard([key for _, key in stored])
        existing = find_by_key(resident_id=resident.id, key=idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return _replay(existing, fingerprint), False
    except Exception:
        db.session.rollback()
        photo_store.discard([key for _, key in stored])
        raise
    return petition, True


def _commit_keeping_state() -> None:
    # The petition was just written in full; reloading it to serialise the response would cost a query.
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _insert_with_retry(*args) -> Petition:
    # SQLite answers "database is locked" at once when concurrent deferred transactions both want to
    # write; the loser simply tries again (PostgreSQL waits on the row lock instead and never gets here).
    for attempt in range(SQLITE_LOCK_RETRIES):
        try:
            petition = _insert(*args)
            _commit_keeping_state()
            return petition
        except OperationalError as exc:
            db.session.rollback()
            locked = "database is locked" in str(exc.orig)
            if not locked or attempt == SQLITE_LOCK_RETRIES - 1:
                raise
            time.sleep(0.02 * (attempt + 1) + random.random() * 0.05)
    raise AssertionError("unreachable")


def _insert(resident, data, stored, street_id, community_id, key, fingerprint, source) -> Petition:
    now = utcnow()
    accept_by, reply_by, close_by = deadlines.compute(type=data["type"], urgency=data["urgency"], start=now)
    petition = Petition(
        resident_id=resident.id, type=data["type"], content=data["content"], street_id=street_id,
        community_id=community_id, address=data.get("address", ""), latitude=data.get("latitude"),
        longitude=data.get("longitude"), contact_consent=data["contact_consent"], urgency=data["urgency"],
        source=source, status=states.SUBMITTED, accept_by=accept_by, reply_by=reply_by, close_by=close_by,
        idempotency_key=key, body_hash=fingerprint, created_at=now, updated_at=now,
    )
    petition.photos = [
        PetitionPhoto(position=i, storage_key=k, content_type=u.content_type, size=len(u.data), sha256=u.sha256)
        for i, (u, k) in enumerate(stored)
    ]
    petition.transitions = [PetitionTransition(
        action="submit", from_status=None, to_status=states.SUBMITTED, actor_kind="resident",
        actor_id=resident.id, actor_role=None, at=now, reason="机器人对话" if source == "bot" else None,
    )]
    petition.number = next_number(local_date(now))
    db.session.add(petition)
    db.session.flush()
    return petition
