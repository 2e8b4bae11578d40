"""Residents with tokens for chat tests."""

import uuid

import pytest

from backend.core.security import issue_token
from backend.extensions import db
from backend.residents.models import Resident


def make_resident(app) -> tuple[int, dict]:
    """Creates a resident and returns (id, Authorization header)."""
    with app.app_context():
        resident = Resident(openid="test-" + uuid.uuid4().hex, nickname="测试居民")
        db.session.add(resident)
        db.session.commit()
        token, _ = issue_token("resident", resident.id)
        return resident.id, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def resident(app):
    """A resident of the transactional app: (id, headers)."""
    return make_resident(app)
