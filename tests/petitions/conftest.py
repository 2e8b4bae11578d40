"""Petition fixtures: residents made directly in the database, their tokens, and a filing helper."""

from __future__ import annotations

import itertools
import struct
import uuid
import zlib
from datetime import timedelta

import pytest

from backend.core.models import utcnow
from backend.core.security import issue_token
from backend.directory.service import get_department_by_code, get_street_by_code
from backend.extensions import db
from backend.petitions import deadlines
from backend.petitions.models import Petition
from backend.residents.models import Resident

_counter = itertools.count(1)

VALID = {
    "type": "投诉",
    "content": "小区门口烧烤摊油烟很大，每天晚上熏得不能开窗",
    "street": "dongshan",
    "community": "dongshan_zhushan",
    "address": "竹山路 100 号",
    "contact_consent": True,
}


def png_bytes() -> bytes:
    """A real 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + \
        chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    """The start and end markers of a JPEG with a JFIF header between them."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def make_resident(app, **fields) -> Resident:
    """Creates and commits a resident (inside the test's transaction for `app`)."""
    with app.app_context():
        resident = Resident(openid=f"openid-{uuid.uuid4().hex}", nickname=f"居民{next(_counter)}", **fields)
        db.session.add(resident)
        db.session.commit()
        db.session.refresh(resident)
        db.session.expunge(resident)
    return resident


def overdue_petition(app, department: str | None, status: str = "dispatched") -> int:
    """Commits a routed petition whose time to accept ran out five minutes ago; returns its id (in an app context)."""
    resident = make_resident(app)
    now = utcnow()
    _, reply_by, close_by = deadlines.compute(type="投诉", urgency="normal", start=now)
    petition = Petition(
        number=f"JNTEST-{uuid.uuid4().hex[:12]}", resident_id=resident.id, type="投诉", content="路灯坏了很久没人修",
        street_id=get_street_by_code(code=VALID["street"]).id, status=status, body_hash="-", created_at=now,
        routed_at=now, accept_by=now - timedelta(minutes=5), reply_by=reply_by, close_by=close_by,
        department_id=get_department_by_code(code=department).id if department else None,
    )
    db.session.add(petition)
    db.session.commit()
    return petition.id


def bearer(app, resident: Resident) -> dict:
    """Authorization header of a resident."""
    with app.app_context():
        token, _ = issue_token("resident", resident.id)
    return {"Authorization": f"Bearer {token}"}


class Residents:
    def __init__(self, app):
        self.app = app

    def new(self, **fields) -> tuple[Resident, dict]:
        resident = make_resident(self.app, **fields)
        return resident, bearer(self.app, resident)


@pytest.fixture
def residents(app) -> Residents:
    """Factory of residents with their Authorization headers."""
    return Residents(app)


def file_petition(client, headers, key: str | None = None, **overrides):
    """Posts a JSON petition (routing runs when the buffered response closes)."""
    body = {**VALID, **overrides}
    if key:
        headers = {**headers, "Idempotency-Key": key}
    return client.post("/api/mp/petitions", json=body, headers=headers, buffered=True)


def assign(client, auth, petition_id: int, department: str) -> dict:
    """Makes `department` handle the petition (dispatch if routing left it waiting, else transfer); returns it."""
    dispatcher = auth.staff("dispatcher")
    petition = client.get(f"/api/v1/petitions/{petition_id}", headers=dispatcher).get_json()
    if petition["department"] and petition["department"]["code"] == department:
        return petition
    body = {"action": "dispatch", "department": department}
    if petition["status"] != "submitted":
        body = {"action": "transfer", "department": department, "reason": "测试改派"}
    response = client.post(f"/api/v1/petitions/{petition_id}/transitions", json=body, headers=dispatcher)
    assert response.status_code == 200, response.get_json()
    return response.get_json()
