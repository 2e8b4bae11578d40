"""Staff account management by administrators and by staff themselves; every change is audited."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from backend.audit import service as audit
from backend.core.errors import Refused
from backend.core.errors import invalid_field as invalid
from backend.core.security import STAFF_ROLES, Principal
from backend.directory import service
from backend.directory.models import Department, Staff
from backend.extensions import db

PASSWORD_LENGTH = (8, 128)


def _department(code: str | None) -> Department | None:
    if code is None:
        return None
    department = service.get_department_by_code(code=code)
    if department is None:
        raise invalid("department", "部门不存在")
    return department


def _check_password(password: str, field: str = "password") -> None:
    if not PASSWORD_LENGTH[0] <= len(password) <= PASSWORD_LENGTH[1]:
        raise invalid(field, f"密码长度应为 {PASSWORD_LENGTH[0]} 到 {PASSWORD_LENGTH[1]} 位")
    if password.isdigit() or password.isalpha():
        raise invalid(field, "密码需同时包含字母和数字")


def list_staff(*, q: str | None, role: str | None, department: str | None, page: int, limit: int
               ) -> tuple[list[Staff], int]:
    """Staff accounts, filtered, by username."""
    query = select(Staff)
    if q:
        needle = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Staff.username.like(needle, escape="\\"), Staff.display_name.like(needle, escape="\\")))
    if role:
        query = query.where(Staff.role == role)
    if department:
        query = query.join(Department, Staff.department_id == Department.id).where(Department.code == department)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Staff.username).limit(limit).offset((page - 1) * limit)).all()
    return list(items), total


def create(*, actor: Principal, username: str, display_name: str, role: str, department: str | None,
           password: str) -> Staff:
    """Creates an account (audited) and commits."""
    if service.get_staff_by_username(username=username) is not None:
        raise invalid("username", "用户名已存在")
    _check_password(password)
    dept = _department(department)
    if role == "clerk" and dept is None:
        raise invalid("department", "办理员必须属于一个部门")
    staff = service.create_staff(username=username, password=password, role=role, display_name=display_name,
                                 department=dept)
    db.session.flush()
    audit.record(actor=actor, action="staff.create", subject_type="staff", subject_id=staff.id,
                 detail={"username": username, "role": role, "department": department})
    db.session.commit()
    return staff


def update(*, actor: Principal, staff: Staff, changes: dict) -> Staff:
    """Changes role, department, name or active flag (audited); deactivation ends every session; commits."""
    if staff.id == actor.id and (changes.get("is_active") is False or changes.get("role", staff.role) != staff.role):
        raise Refused(409, "不能停用自己的账号或修改自己的角色")
    detail = {}
    if "department" in changes:
        dept = _department(changes["department"])
        if dept is None and changes.get("role", staff.role) == "clerk":
            raise invalid("department", "办理员必须属于一个部门")
        if dept != staff.department:
            staff.department, staff.department_id = dept, dept.id if dept else None
            detail["department"] = changes["department"]
    role = changes.get("role")
    if role and role != staff.role:
        if role not in STAFF_ROLES:
            raise invalid("role", "角色不存在")
        if role == "clerk" and staff.department_id is None:
            raise invalid("department", "办理员必须属于一个部门")
        staff.role = detail["role"] = role
    if changes.get("display_name") and changes["display_name"] != staff.display_name:
        staff.display_name = detail["display_name"] = changes["display_name"]
    if "is_active" in changes and changes["is_active"] != staff.is_active:
        staff.is_active = detail["is_active"] = changes["is_active"]
        if not staff.is_active:
            # Tokens and sessions already issued stop working at once.
            staff.token_version += 1
            from backend.directory import sessions

            sessions.close_all(staff_id=staff.id)
    if detail:
        audit.record(actor=actor, action="staff.update", subject_type="staff", subject_id=staff.id, detail=detail)
    db.session.commit()
    return staff


def reset_password(*, actor: Principal, staff: Staff, password: str) -> None:
    """Sets a new password chosen by an administrator (audited) and commits."""
    _check_password(password)
    service.set_password(staff=staff, password=password)
    audit.record(actor=actor, action="staff.reset_password", subject_type="staff", subject_id=staff.id)
    db.session.commit()


def change_own_password(*, actor: Principal, old_password: str, new_password: str) -> None:
    """A staff member changes their own password, proving the old one (audited); commits."""
    staff = service.get_staff(staff_id=actor.id)
    if not service.check_password(staff=staff, password=old_password):
        raise invalid("old_password", "原密码不正确")
    _check_password(new_password, "new_password")
    if new_password == old_password:
        raise invalid("new_password", "新密码不能与原密码相同")
    service.set_password(staff=staff, password=new_password)
    audit.record(actor=actor, action="staff.change_password", subject_type="staff", subject_id=staff.id)
    db.session.commit()
