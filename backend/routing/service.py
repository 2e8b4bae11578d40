"""Routing services: the category → department table and suggestions for a text."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from backend.directory import service as directory
from backend.directory.models import Department
from backend.extensions import db
from backend.petitions.errors import invalid
from backend.routing.classifiers import Classification, ClassifierUnavailable, get_classifier
from backend.routing.models import RoutingRule


@dataclass(frozen=True)
class Suggestion:
    """A classification resolved to departments through the routing table."""

    category: str | None
    confidence: float
    department: Department | None
    alternatives: list[dict]
    confident: bool


def list_rules() -> list[RoutingRule]:
    """Every routing rule, in registry order."""
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.id)))


def get_rule(*, category: str) -> RoutingRule | None:
    """The rule of a category code."""
    return db.session.scalar(select(RoutingRule).where(RoutingRule.category == category))


def set_department(*, rule: RoutingRule, department_code: str, staff_id: int) -> RoutingRule:
    """Routes a category to another department and commits."""
    department = directory.get_department_by_code(code=department_code)
    if department is None:
        raise invalid("department", "部门不存在")
    rule.department = department
    rule.updated_by_id = staff_id
    db.session.commit()
    return rule


def classify(text: str) -> Classification | None:
    """The configured classifier's answer, or None when it is unavailable."""
    try:
        return get_classifier().classify(text)
    except ClassifierUnavailable:
        return None


def suggest(*, text: str) -> Suggestion:
    """The department a text should go to, with alternatives; confident only above the threshold."""
    classification = classify(text)
    if classification is None or classification.category is None:
        return Suggestion(None, 0.0, None, [], False)
    wanted = [classification.category, *(code for code, _ in classification.alternatives)]
    rules = {rule.category: rule for rule in db.session.scalars(
        select(RoutingRule).where(RoutingRule.category.in_(wanted)))}
    best = rules.get(classification.category)
    alternatives = [
        {"category": code, "confidence": confidence, "department": rules[code].department}
        for code, confidence in classification.alternatives if code in rules
    ]
    threshold = current_app.config["SETTINGS"].routing_confidence_threshold
    return Suggestion(
        classification.category, classification.confidence, best.department if best else None, alternatives,
        confident=best is not None and classification.confidence >= threshold,
    )
