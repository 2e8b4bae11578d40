"""Routing services: the category → department table and suggestions for a text."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.directory import service as directory
from backend.directory.models import Department, Street
from backend.extensions import db
from backend.petitions.errors import PetitionError, invalid
from backend.routing.classifiers import Classification, ClassifierUnavailable, get_classifier
from backend.routing.models import RoutingRule, RoutingStreetRule


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
    return list(db.session.scalars(
        select(RoutingRule).options(selectinload(RoutingRule.overrides)).order_by(RoutingRule.id)))


def get_rule(*, category: str) -> RoutingRule | None:
    """The rule of a category code."""
    return db.session.scalar(select(RoutingRule).where(RoutingRule.category == category))


def _department(code: str) -> Department:
    department = directory.get_department_by_code(code=code)
    if department is None:
        raise invalid("department", "部门不存在")
    return department


def street_by_code(code: str) -> Street:
    """The street of a code, or a 422 naming the street field."""
    street = directory.get_street_by_code(code=code)
    if street is None:
        raise invalid("street", "街道不存在")
    return street


def set_department(*, rule: RoutingRule, department_code: str, staff_id: int,
                   street_code: str | None = None) -> RoutingRule:
    """Routes a category to another department county-wide, or in one street only (an override); commits."""
    department = _department(department_code)
    if street_code is None:
        rule.department = department
        rule.updated_by_id = staff_id
    else:
        street = street_by_code(street_code)
        override = db.session.scalar(select(RoutingStreetRule).where(
            RoutingStreetRule.category == rule.category, RoutingStreetRule.street_id == street.id))
        if override is None:
            override = RoutingStreetRule(category=rule.category, street=street)
            db.session.add(override)
        override.department = department
        override.updated_by_id = staff_id
    db.session.commit()
    db.session.refresh(rule, ["overrides"])
    return rule


def remove_override(*, rule: RoutingRule, street_code: str) -> RoutingRule:
    """Drops a street's override so the county-wide rule applies there again; commits."""
    street = street_by_code(street_code)
    override = db.session.scalar(select(RoutingStreetRule).where(
        RoutingStreetRule.category == rule.category, RoutingStreetRule.street_id == street.id))
    if override is None:
        raise PetitionError(404, "该街道没有单独的分拨规则")
    db.session.delete(override)
    db.session.commit()
    db.session.refresh(rule, ["overrides"])
    return rule


def classify(text: str) -> Classification | None:
    """The configured classifier's answer, or None when it is unavailable."""
    try:
        return get_classifier().classify(text)
    except ClassifierUnavailable:
        return None


@dataclass(frozen=True)
class RoutingTable:
    """Departments by category, county-wide and per (category, street id), as read at one moment."""

    county: dict[str, Department]
    streets: dict[tuple[str, int], Department]

    def department(self, category: str, street_id: int | None) -> Department | None:
        """The street's override of a category, else the county-wide rule (None for an unknown category)."""
        return self.streets.get((category, street_id)) or self.county.get(category)


def load_table(*, categories: list[str] | None = None, street_id: int | None = None) -> RoutingTable:
    """The routing table: all of it, or only some categories and one street's overrides (one suggestion)."""
    rules, overrides = select(RoutingRule), select(RoutingStreetRule)
    if categories is not None:
        rules = rules.where(RoutingRule.category.in_(categories))
        overrides = overrides.where(RoutingStreetRule.category.in_(categories),
                                    RoutingStreetRule.street_id == street_id)
    county = {rule.category: rule.department for rule in db.session.scalars(rules)}
    streets = {(rule.category, rule.street_id): rule.department
               for rule in db.session.scalars(overrides)} if county else {}
    return RoutingTable(county, streets)


def suggest(*, text: str, street_id: int | None = None, table: RoutingTable | None = None) -> Suggestion:
    """The department a text should go to (the street's override first), with alternatives; confident only
    above the threshold. A batch passes the table it read once."""
    classification = classify(text)
    if classification is None or classification.category is None:
        return Suggestion(None, 0.0, None, [], False)
    if table is None:
        wanted = [classification.category, *(code for code, _ in classification.alternatives)]
        table = load_table(categories=wanted, street_id=street_id)
    best = table.department(classification.category, street_id)
    alternatives = [
        {"category": code, "confidence": confidence, "department": department}
        for code, confidence in classification.alternatives
        if (department := table.department(code, street_id)) is not None
    ]
    threshold = current_app.config["SETTINGS"].routing_confidence_threshold
    return Suggestion(
        classification.category, classification.confidence, best, alternatives,
        confident=best is not None and classification.confidence >= threshold,
    )
