"""The 志愿服务记录 rule: whole hours, and the started hour by ≤ 15 min → 0, 15–45 → ½, ≥ 45 → 1."""

from datetime import UTC, datetime, timedelta

import pytest

from backend.activities.hours import half_hours, presence_seconds

MIN = 60


@pytest.mark.parametrize(("minutes", "hours"), [
    (0, 0), (10, 0), (15, 0), (15.5, 0.5), (16, 0.5), (30, 0.5), (44, 0.5), (44.9, 0.5), (45, 1), (59, 1),
    (60, 1), (75, 1), (76, 1.5), (104, 1.5), (105, 2), (120, 2), (135, 2), (150, 2.5), (165, 3), (-5, 0),
    (8 * 60 + 20, 8.5),
])
def test_service_hours_table(minutes, hours):
    assert half_hours(minutes * MIN) / 2 == hours


def test_presence_counts_only_inside_the_activity_window():
    start = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    end = start + timedelta(hours=2)
    # Arrived 20 minutes early and left 30 minutes late: the two hours of the activity.
    assert presence_seconds(start - timedelta(minutes=20), end + timedelta(minutes=30), start, end) == 2 * 3600
    assert presence_seconds(start + timedelta(minutes=50), end, start, end) == 70 * MIN
    assert presence_seconds(end + timedelta(minutes=5), end + timedelta(minutes=10), start, end) == 0
