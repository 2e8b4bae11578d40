"""Demo calendar: 2026's public holidays and adjusted working days from data/2026.tsv."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from backend.calendar import service
from backend.calendar.models import CalendarDay
from backend.extensions import db

DATA = Path(__file__).parent / "data"


def load() -> str:
    """Upserts every calendar file's days and commits."""
    count = 0
    for path in sorted(DATA.glob("*.tsv")):
        with open(path, encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                day = date.fromisoformat(row["day"])
                entry = db.session.get(CalendarDay, day) or CalendarDay(day=day)
                entry.is_working = row["is_working"] == "1"
                entry.name = row["name"]
                db.session.add(entry)
                count += 1
    db.session.commit()
    service.invalidate()
    return f"calendar: {count} holidays and adjusted working days"
