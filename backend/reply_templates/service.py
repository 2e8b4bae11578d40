"""Reply templates: who may manage which department's, and filling in a petition's variables."""

from __future__ import annotations

import re

from sqlalchemy import select

from backend.calendar.service import local_date
from backend.core.errors import Refused, invalid_field
from backend.core.models import utcnow
from backend.core.security import Principal
from backend.directory import service as directory
from backend.directory.models import Department
from backend.extensions import db
from backend.reply_templates.models import ReplyTemplate

MANAGERS = ("clerk", "supervisor")
VARIABLE = re.compile(r"\{([a-z_]+)\}")
VARIABLES = {
    "number": "诉求编号",
    "date": "今天的日期",
    "department": "承办部门",
    "type": "诉求类型",
    "street": "所在街道",
    "filed": "提交日期",
}


def _chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def managed_department(principal: Principal, code: str | None) -> Department | None:
    """The department whose templates the principal works on: a clerk's own; for supervisors the one asked for
    (None = every department when listing)."""
    if principal.role == "clerk":
        own = db.session.get(Department, principal.department_id) if principal.department_id else None
        if own is None or (code and code != own.code):
            raise Refused(403, "只能管理本部门的常用语")
        return own
    if not code:
        return None
    department = directory.get_department_by_code(code=code)
    if department is None:
        raise invalid_field("department", "部门不存在")
    return department


def list_templates(*, department: Department | None) -> list[ReplyTemplate]:
    """A department's templates (every department's when None), by title."""
    query = select(ReplyTemplate).order_by(ReplyTemplate.department_id, ReplyTemplate.title, ReplyTemplate.id)
    if department is not None:
        query = query.where(ReplyTemplate.department_id == department.id)
    return list(db.session.scalars(query))


def get_for(*, principal: Principal, template_id: int) -> ReplyTemplate:
    """A template the principal may change; 404 otherwise (a clerk does not learn of other departments')."""
    template = db.session.get(ReplyTemplate, template_id)
    if template is None or (principal.role == "clerk" and template.department_id != principal.department_id):
        raise Refused(404, "常用语不存在")
    return template


def create(*, principal: Principal, department: Department | None, title: str, body: str) -> ReplyTemplate:
    """Adds a template to a department and commits."""
    if department is None:
        raise invalid_field("department", "请选择部门")
    template = ReplyTemplate(department_id=department.id, department=department, title=title.strip(),
                             body=body.strip(), created_by=principal.id)
    db.session.add(template)
    db.session.commit()
    return template


def update(*, template: ReplyTemplate, changes: dict) -> ReplyTemplate:
    """Changes a template's title or body and commits."""
    for name in ("title", "body"):
        if name in changes:
            setattr(template, name, changes[name].strip())
    db.session.commit()
    return template


def delete(*, template: ReplyTemplate) -> None:
    """Removes a template and commits."""
    db.session.delete(template)
    db.session.commit()


def render(body: str, petition) -> str:
    """The template with the petition's variables filled in; unknown {names} stay as written."""
    values = {
        "number": petition.number,
        "date": _chinese_date(local_date(utcnow())),
        "department": petition.department.name if petition.department else "",
        "type": petition.type,
        "street": petition.street.name,
        "filed": _chinese_date(local_date(petition.created_at)),
    }
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)
