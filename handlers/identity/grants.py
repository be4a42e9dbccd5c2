"""Operators: staff grants (roles bound to organisations)."""

from __future__ import annotations

import uuid
from datetime import datetime

from aiohttp import web
from pydantic import Field

from models.identity.residents import Grant, Role
from palm import keys
from palm.api import Api, ApiModel
from palm.lists import PageQuery
from services.identity import errors, grants

api = Api("admin")
GRANTS = {"operator:grants"}


class GrantIn(ApiModel):
    resident_id: uuid.UUID
    role: Role
    organisation: str = Field(min_length=1, max_length=64, description="Organisation code")
    scopes: list[str] = Field(default_factory=list, description="Operators only")


class GrantOut(ApiModel):
    id: int
    resident_id: str
    role: Role
    organisation: str | None
    scopes: list[str]
    created_at: datetime


class GrantList(ApiModel):
    items: list[GrantOut]
    next_cursor: str | None


class GrantQuery(PageQuery):
    role: Role | None = None
    organisation: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$",
        description="Organisation code",
    )  # fmt: skip
    resident_id: uuid.UUID | None = None


def _out(row: Grant, organisation: str | None) -> GrantOut:
    return GrantOut(
        id=row.id,
        resident_id=str(row.resident_id),  # type: ignore[attr-defined]
        role=row.role,
        organisation=organisation,
        scopes=[s for s in row.scopes.split(",") if s],
        created_at=row.created_at,
    )


@api.get("/api/v1/admin/grants", query=GrantQuery, response=GrantList, roles=GRANTS, errors=(400,))
async def list_grants(request: web.Request, query: GrantQuery) -> GrantList:
    """Staff grants, newest first: one role, organisation or resident if asked."""
    found = await grants.list_grants(
        cursor=query.cursor, limit=query.limit, role=query.role,
        organisation=query.organisation, resident_id=query.resident_id,
    )  # fmt: skip
    items = [_out(r, r.organisation.code if r.organisation else None) for r in found.items]
    return GrantList(items=items, next_cursor=found.next_cursor)


@api.post("/api/v1/admin/grants", body=GrantIn, response=GrantOut, status=201, roles=GRANTS,
          errors=(404, 409))  # fmt: skip
async def create_grant(request: web.Request, body: GrantIn) -> GrantOut:
    """Give a resident a staff role at an organisation; their sessions end to pick it up."""
    row = await grants.grant(
        request.app[keys.DEPS].sessions, body.resident_id, body.role, body.organisation,
        frozenset(body.scopes),
    )  # fmt: skip
    return _out(row, body.organisation)


@api.delete("/api/v1/admin/grants/{id}", status=204, roles=GRANTS)
async def delete_grant(request: web.Request) -> None:
    """Withdraw a staff role; the holder's sessions end at once."""
    raw = request.match_info["id"]
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):  # a bigint, nothing else
        raise errors.grant_not_found()
    await grants.revoke(request.app[keys.DEPS].sessions, int(raw))
