"""Activity fixtures: an activity published through the staff API and residents made in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.core.models import utcnow
from tests.petitions.conftest import make_resident


def window(**shift) -> dict:
    """An activity body starting in two days for two hours; keyword arguments replace fields."""
    start = utcnow() + timedelta(days=2)
    body = {"title": "秦淮河畔垃圾清捡", "place": "竹山路 100 号广场", "street": "dongshan",
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
            "capacity": 2, "requirements": "穿运动鞋"}
    body.update(shift)
    return body


@pytest.fixture
def publish(client, auth):
    """Publishes an activity as the demo organiser; returns its JSON."""
    def make(**fields) -> dict:
        response = client.post("/api/v1/activities", json=window(**fields), headers=auth.staff("organiser"))
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return make


@pytest.fixture
def residents(app, auth):
    """n residents (with phones) and their headers."""
    def make(n: int) -> list[tuple[int, dict]]:
        from backend.core import crypto

        made = []
        for i in range(n):
            with app.app_context():
                phone = f"1380013{i:04d}"
                resident = make_resident(app, phone_encrypted=crypto.encrypt("phone", phone), phone_last4=phone[-4:])
            made.append((resident.id, auth.resident(resident.id)))
        return made
    return make
