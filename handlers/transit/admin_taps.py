"""Transit operators: taps a validator re-sent with a known tap id but other content."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from aiohttp import web
from pydantic import Field

from handlers.transit.admin_lists import exported, listed
from models.transit.trips import ConflictStatus, TapState
from palm import keys
from palm.api import Api, ApiModel
from palm.lists import BIG_INT, DayRange, PageQuery
from services.transit import conflicts, errors

api = Api("admin")
TRANSIT = {"operator:transit"}


class ConflictFilter(DayRange):
    """from/to: when the conflicting tap was received."""

    status: ConflictStatus | None = None
    line: str | None = Field(default=None, min_length=1, max_length=16)
    device: str | None = Field(default=None, min_length=1, max_length=64)


class ConflictsQuery(PageQuery, ConflictFilter):
    """A page of conflicts, newest first."""


class ConflictRow(ApiModel):
    id: int
    status: ConflictStatus
    device: str
    tap_id: str
    line: str
    vehicle: str
    stop: str
    tapped_at: datetime
    shown_result: str
    received_at: datetime
    original_line: str = Field(description="the tap first received with this id")
    original_vehicle: str
    original_stop: str
    original_tapped_at: datetime
    original_state: TapState
    resolved_at: datetime | None
    accepted_tap: int | None = Field(description="accepted: the tap it became")


class ConflictsPage(ApiModel):
    items: list[ConflictRow]
    next_cursor: str | None


@api.get("/api/v1/admin/transit/tap-conflicts", query=ConflictsQuery, response=ConflictsPage,
         roles=TRANSIT, errors=(400,))  # fmt: skip
async def list_conflicts(request: web.Request, query: ConflictsQuery) -> ConflictsPage:
    """Taps re-sent with a known tap id and other content (status=open: to resolve)."""
    return await listed(conflicts.CONFLICTS, query, ConflictsPage)


@api.get("/api/v1/admin/transit/tap-conflicts.csv", query=ConflictFilter, roles=TRANSIT,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def conflicts_csv(request: web.Request, query: ConflictFilter) -> web.Response:
    """The same conflicts as CSV."""
    return await exported(conflicts.CONFLICTS, query, "transit-tap-conflicts.csv")


class ResolveIn(ApiModel):
    action: Literal["accept", "dismiss"] = Field(
        description="accept: price it as a ride of its own; dismiss: no ride"
    )


class Resolved(ApiModel):
    id: int
    status: ConflictStatus
    accepted_tap: int | None


_ID = re.compile(r"[0-9]{1,18}")


@api.post("/api/v1/admin/transit/tap-conflicts/{id}/resolve", body=ResolveIn,
          response=Resolved, roles=TRANSIT, errors=(404, 409))  # fmt: skip
async def resolve_conflict(request: web.Request, body: ResolveIn) -> Resolved:
    """Accept or dismiss one conflict (once; an accepted tap is priced like any other)."""
    raw = request.match_info["id"]
    if not _ID.fullmatch(raw) or int(raw) > BIG_INT:
        raise errors.tap_conflict_not_found()
    row = await conflicts.resolve(int(raw), body.action,
                                  operator=request[keys.PRINCIPAL].resident_id,
                                  now=datetime.now(UTC))  # fmt: skip
    return Resolved(id=row.id, status=row.status,
                    accepted_tap=row.accepted_as_id)  # type: ignore[attr-defined]  # fmt: skip
