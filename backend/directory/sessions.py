"""Console sessions: opened at sign-in, slid by activity, ended by logout, idleness or a password change."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update

from backend.core.models import utcnow
from backend.directory.models import Staff, StaffSession
from backend.extensions import db

# last_seen_at is written at most this often, so a busy console does not write on every request.
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(*, staff: Staff, max_seconds: int) -> tuple[str, StaffSession]:
    """Starts a session for a signed-in staff member; returns the cookie token and the row (commits).
    The member's sessions too old to resume are deleted on the way (closed browsers never log out)."""
    token, now = secrets.token_urlsafe(32), utcnow()
    db.session.execute(delete(StaffSession).where(
        StaffSession.staff_id == staff.id, StaffSession.created_at < now - timedelta(seconds=max_seconds)))
    session = StaffSession(token_hash=_hash(token), staff_id=staff.id, token_version=staff.token_version,
                           csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now)
    db.session.add(session)
    db.session.commit()
    return token, session


def resume(*, token: str, idle_seconds: int, max_seconds: int, active: bool) -> StaffSession | None:
    """The live session of a cookie token, or None (unknown, idle too long, too old, account changed);
    `active` requests slide the idle timer (background polling does not)."""
    session = db.session.scalar(select(StaffSession).where(StaffSession.token_hash == _hash(token)))
    if session is None:
        return None
    now, staff = utcnow(), session.staff
    expired = (now - session.last_seen_at > timedelta(seconds=idle_seconds)
               or now - session.created_at > timedelta(seconds=max_seconds)
               or not staff.is_active or staff.token_version != session.token_version)
    if expired or (active and now - session.last_seen_at > TOUCH_EVERY):
        _write_apart(session.id, None if expired else now)
    return None if expired else session


def _write_apart(session_id: int, last_seen_at) -> None:
    """Deletes (None) or touches a session in a short transaction of its own, before the request's work."""
    db.session.commit()
    if last_seen_at is None:
        db.session.execute(delete(StaffSession).where(StaffSession.id == session_id))
    else:
        db.session.execute(update(StaffSession).where(StaffSession.id == session_id)
                           .values(last_seen_at=last_seen_at))
    db.session.commit()


def close(*, session_id: int) -> None:
    """Ends one session (logout); commits."""
    db.session.execute(delete(StaffSession).where(StaffSession.id == session_id))
    db.session.commit()


def close_all(*, staff_id: int) -> None:
    """Ends every session of a staff member (the caller commits)."""
    db.session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))
