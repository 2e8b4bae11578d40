"""Who may see which petition: residents their own, clerks their department's, dispatch and supervision all."""

from __future__ import annotations

from backend.audit import service as audit
from backend.core.security import Principal
from backend.extensions import db
from backend.petitions.errors import PetitionError
from backend.petitions.models import Petition
from backend.residents import service as residents

OVERSIGHT_ROLES = ("dispatcher", "supervisor")


def can_see(principal: Principal | None, petition: Petition) -> bool:
    """True when the principal may read the petition."""
    if principal is None or petition is None:
        return False
    if principal.kind == "resident":
        return principal.id == petition.resident_id
    if principal.kind != "staff":
        return False
    if principal.has_role(*OVERSIGHT_ROLES):
        return True
    return principal.role == "clerk" and principal.department_id == petition.department_id


def access_petition(principal: Principal | None, petition: Petition | None) -> Petition:
    """The petition if the principal may see it; otherwise 404, so its existence is not revealed."""
    if petition is None or not can_see(principal, petition):
        raise PetitionError(404, "诉求不存在或您无权查看")
    return petition


def is_handling_clerk(principal: Principal, petition: Petition) -> bool:
    """True for a clerk of the department currently handling the petition."""
    return (principal.kind == "staff" and principal.role == "clerk"
            and petition.department_id is not None and principal.department_id == petition.department_id)


def resident_contact(principal: Principal, petition: Petition) -> dict:
    """The resident as staff see them: the phone masked; `can_reveal` for the handling clerk, with consent."""
    resident = petition.resident
    return {"id": resident.id, "nickname": resident.nickname, "phone": residents.mask_phone(resident),
            "phone_revealed": False,
            "can_reveal": bool(petition.contact_consent and is_handling_clerk(principal, petition)
                               and resident.phone_encrypted)}


def reveal_contact(principal: Principal, petition: Petition) -> dict:
    """The full phone number for the handling clerk when the resident consented; audited, committed."""
    if not (petition.contact_consent and is_handling_clerk(principal, petition)):
        raise PetitionError(403, "只有承办部门的办理员可以查看同意联系的居民电话")
    phone = residents.decrypt_phone(petition.resident)
    if not phone:
        raise PetitionError(404, "居民未留电话")
    audit.record(actor=principal, action="petition.reveal_phone", subject_type="petition", subject_id=petition.id)
    db.session.commit()
    return {**resident_contact(principal, petition), "phone": phone, "phone_revealed": True}
