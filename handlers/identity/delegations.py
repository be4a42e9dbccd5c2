"""Family delegations: act for a minor child or for a parent who agreed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiohttp import web
from pydantic import Field

from models.identity.delegations import Delegation, Relation
from models.identity.residents import Resident
from palm import keys
from palm.api import Api, ApiModel, path_uuid
from services.identity import delegations, residents
from services.privacy import FieldCipher, mask_name

api = Api("auth")

Scope = Field(min_length=1, description="Any of: medical, transit, credit, talent")


class DelegationIn(ApiModel):
    relation: Relation = Field(description="child: your minor child; parent: your parent")
    name: str = Field(min_length=1, max_length=60)
    id_number: str = Field(min_length=18, max_length=18)
    scopes: list[delegations.ScopeName] = Scope


class DelegationOut(ApiModel):
    id: str = Field(description="Use as member=<id> in the services")
    relation: Relation
    name: str = Field(description="The other person's name, masked")
    status: str
    scopes: list[str]
    basis: str
    expires_at: datetime
    subject_birth_date: date | None = None


class DelegationsOut(ApiModel):
    acting_for: list[DelegationOut] = Field(description="People you act for")
    acting_for_me: list[DelegationOut] = Field(description="People who act for you")


def _out(row: Delegation, name: str) -> DelegationOut:
    return DelegationOut(
        id=str(row.id),
        relation=row.relation,
        name=mask_name(name),
        status=str(row.status),
        scopes=sorted(row.scope_set),
        basis=str(row.basis),
        expires_at=row.expires_at,
    )


def _subject_out(row: Delegation, cipher: FieldCipher) -> DelegationOut:
    return _out(row, cipher.decrypt(row.subject_name_enc, field="name"))


async def _view(row: Delegation, me: Resident, cipher: FieldCipher) -> DelegationOut:
    """Show the other side's name: the subject to the delegate, the delegate to the subject."""
    return _out(row, await delegations.counterpart_name(row, me, cipher))


@api.get("/api/v1/delegations", response=DelegationsOut)
async def list_delegations(request: web.Request) -> DelegationsOut:
    """People you act for, and people who act (or asked to act) for you."""
    cipher, me = (
        request.app[keys.DEPS].cipher,
        await residents.get_active(request[keys.PRINCIPAL].resident_id),
    )
    held = [_subject_out(row, cipher) for row in await delegations.held_by(me.id)]
    given = [await _view(row, me, cipher) for row in await delegations.given_by(me)]
    return DelegationsOut(acting_for=held, acting_for_me=given)


@api.post("/api/v1/delegations", body=DelegationIn, response=DelegationOut, status=201,
          errors=(403, 409))  # fmt: skip
async def request_delegation(request: web.Request, body: DelegationIn) -> DelegationOut:
    """Add family: a minor child is checked in the household register; a parent must confirm."""
    app = request.app
    row = await delegations.request(
        await residents.get_active(request[keys.PRINCIPAL].resident_id),
        relation=body.relation, name=body.name.strip(), id_number=body.id_number,
        scopes=frozenset(body.scopes), register=app[keys.DEPS].aishandong,
        checker=app[keys.DEPS].aishandong, cipher=app[keys.DEPS].cipher, now=datetime.now(UTC),
    )  # fmt: skip
    return _subject_out(row, app[keys.DEPS].cipher)


@api.post("/api/v1/delegations/{id}/confirm", response=DelegationOut, errors=(409,))
async def confirm_delegation(request: web.Request) -> DelegationOut:
    """As the subject: agree that the requester may act for you."""
    me = await residents.get_active(request[keys.PRINCIPAL].resident_id)
    row = await delegations.confirm(me, path_uuid(request), now=datetime.now(UTC))
    return await _view(row, me, request.app[keys.DEPS].cipher)


@api.post("/api/v1/delegations/{id}/end", response=DelegationOut)
async def end_delegation(request: web.Request) -> DelegationOut:
    """Either side ends a delegation (or declines a request) at once."""
    me = await residents.get_active(request[keys.PRINCIPAL].resident_id)
    row = await delegations.end(me, path_uuid(request), now=datetime.now(UTC))
    return await _view(row, me, request.app[keys.DEPS].cipher)
