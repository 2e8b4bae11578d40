"""Who may see which petition: residents their own, clerks their department's, dispatch and supervision all."""

from __future__ import annotations

from backend.core.security import Principal
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
    """The resident as staff see them: the phone only in full for the handling clerk, with consent."""
    resident = petition.resident
    reveal = petition.contact_consent and is_handling_clerk(principal, petition)
    phone = residents.decrypt_phone(resident) if reveal else residents.mask_phone(resident)
    return {"id": resident.id, "nickname": resident.nickname, "phone": phone,
            "phone_revealed": bool(reveal and phone)}
