"""Staff roles: merchant staff and clinicians bound to one organisation, operators with scopes."""

from __future__ import annotations

import uuid

from tortoise.exceptions import IntegrityError

from models.identity.organisations import Organisation, OrganisationKind
from models.identity.residents import Grant, Resident, ResidentStatus, Role
from services import errors as shared
from services import paging
from services.identity import errors
from services.identity.sessions import Sessions

OPERATOR_SCOPES = frozenset({"grants", "talent", "transit", "credit", "health"})
_ORG_KIND = {
    Role.MERCHANT_STAFF: OrganisationKind.MERCHANT,
    Role.CLINICIAN: OrganisationKind.HOSPITAL,
    Role.OPERATOR: OrganisationKind.OFFICE,
}


async def grant(
    sessions: Sessions,
    resident_id: uuid.UUID,
    role: Role,
    organisation: str,
    scopes: frozenset[str],
) -> Grant:
    """Give a resident a staff role; their sessions end so the next login carries it."""
    resident = await Resident.get_or_none(id=resident_id, status=ResidentStatus.ACTIVE)
    if resident is None:
        raise shared.resident_not_found()
    org = await Organisation.get_or_none(code=organisation)
    if org is None or org.kind != _ORG_KIND[role]:
        raise errors.organisation_invalid(_ORG_KIND[role].value, organisation)
    unknown = scopes - OPERATOR_SCOPES if role == Role.OPERATOR else scopes
    if unknown:
        raise errors.scopes_invalid(role.value, sorted(unknown))
    if await Grant.filter(resident_id=resident_id, role=role).exists():
        raise errors.grant_exists()
    try:
        row = await Grant.create(
            resident=resident, role=role, organisation=org, scopes=",".join(sorted(scopes))
        )
    except IntegrityError:
        raise errors.grant_exists() from None
    await sessions.end_all(resident_id)
    return row


async def revoke(sessions: Sessions, grant_id: int) -> None:
    row = await Grant.get_or_none(id=grant_id)
    if row is None:
        raise errors.grant_not_found()
    await row.delete()
    await sessions.end_all(row.resident_id)  # type: ignore[attr-defined]


async def list_grants(
    *,
    cursor: str | None,
    limit: int,
    role: Role | None = None,
    organisation: str | None = None,
    resident_id: uuid.UUID | None = None,
) -> paging.Page[Grant]:
    """One page of staff grants, newest first, optionally of one role, place or resident."""
    query = Grant.all().prefetch_related("organisation")
    if role is not None:
        query = query.filter(role=role)
    if organisation is not None:
        query = query.filter(organisation__code=organisation)
    if resident_id is not None:
        query = query.filter(resident_id=resident_id)
    return await paging.page(query, cursor=cursor, limit=limit)
