"""The routing table seeded from the registry's categories; a supervisor's later edits are kept."""

from __future__ import annotations

from backend.directory.seed import read_tsv
from backend.directory.service import get_department_by_code
from backend.extensions import db
from backend.routing import service
from backend.routing.models import RoutingRule


def load() -> str:
    """Creates missing rules and refreshes names and covers (not departments), then commits."""
    created = 0
    for row in read_tsv("categories.tsv"):
        rule = service.get_rule(category=row["code"])
        if rule is None:
            rule = RoutingRule(category=row["code"], department=get_department_by_code(code=row["department"]))
            db.session.add(rule)
            created += 1
        rule.name, rule.covers = row["name"], row["covers"]
    db.session.commit()
    return f"routing: {created} new rules"
