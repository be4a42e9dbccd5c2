"""The credit office's lists: disputes and defaults by state, merchant, scene, order reference
and days; paged or as CSV, one case shape for both. Holders' names are masked here too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.credit.waivers import CreditDefault, CreditDispute
from models.credit.waivers import DefaultStatus as DefaultStatus  # the lists' vocabulary
from models.credit.waivers import DisputeStatus as DisputeStatus
from services import paging
from services.credit import errors
from services.credit.desk import day_start, local
from services.credit.queries import chunks
from services.deps import Deps
from services.privacy import FieldCipher, mask_name

DisputeState = Literal["pending", "upheld", "rejected", "withdrawn", "all"]
DefaultState = Literal["open", "disputed", "unresolved", "resolved", "all"]
DISPUTE_RELATED = (
    "default__waiver__merchant", "default__waiver__scene", "default__account__resident",
)  # fmt: skip
DEFAULT_RELATED = ("waiver__merchant", "waiver__scene", "account__resident")
R = TypeVar("R", bound=Model)
C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class OfficeFilter:
    status: str = "all"
    merchant: str | None = None  # organisation code
    scene: str | None = None
    reference: str | None = None  # the merchant's order number, exactly
    since: date | None = None  # created on or after this China-time day
    until: date | None = None
    reported: bool | None = None  # defaults only: sent to the credit platform or not


@dataclass(frozen=True, slots=True)
class DisputeCase:
    """A dispute with the default and waiver it is about; the CSV's columns, in order."""

    id: uuid.UUID
    status: DisputeStatus
    created_at: datetime
    reason: str
    waiver_id: uuid.UUID
    merchant: str  # organisation code
    scene: str
    reference: str
    holder: str | None  # masked name
    amount_fen: int
    evidence: str
    decided_at: datetime | None
    decision_note: str | None


@dataclass(frozen=True, slots=True)
class DefaultCase:
    """A default with its waiver; the CSV's columns, in order."""

    id: uuid.UUID
    status: DefaultStatus
    resolution: str | None
    created_at: datetime
    window_ends_at: datetime
    waiver_id: uuid.UUID
    merchant: str
    scene: str
    reference: str
    holder: str | None
    amount_fen: int
    evidence: str
    reported_at: datetime | None
    repaired_at: datetime | None
    resolved_at: datetime | None


def holder(resident_name_enc: str | None, cipher: FieldCipher) -> str | None:
    return mask_name(cipher.decrypt(resident_name_enc, field="name")) if resident_name_enc else None


def _dispute_case(row: CreditDispute, cipher: FieldCipher) -> DisputeCase:
    default = row.default
    waiver = default.waiver
    return DisputeCase(
        row.id, row.status, row.created_at, row.reason, waiver.id, waiver.merchant.code,
        waiver.scene.code, waiver.reference, holder(default.account.resident.name_enc, cipher),
        default.amount_fen, default.evidence, row.decided_at, row.decision_note,
    )  # fmt: skip


def _default_case(row: CreditDefault, cipher: FieldCipher) -> DefaultCase:
    waiver = row.waiver
    return DefaultCase(
        row.id, row.status, row.resolution, row.created_at, row.window_ends_at, waiver.id,
        waiver.merchant.code, waiver.scene.code, waiver.reference,
        holder(row.account.resident.name_enc, cipher), row.amount_fen, row.evidence,
        row.reported_at, row.repaired_at, row.resolved_at,
    )  # fmt: skip


def _filtered(query: QuerySet[R], f: OfficeFilter, waiver: str) -> QuerySet[R]:
    """Filters shared by both lists; ``waiver`` is the path from the row to its waiver."""
    if f.status != "all":
        query = query.filter(status=f.status)
    if f.merchant is not None:
        query = query.filter(**{f"{waiver}__merchant__code": f.merchant})
    if f.scene is not None:
        query = query.filter(**{f"{waiver}__scene__code": f.scene})
    if f.reference is not None:
        query = query.filter(**{f"{waiver}__reference": f.reference})
    if f.since is not None:
        query = query.filter(created_at__gte=day_start(f.since))
    if f.until is not None:
        query = query.filter(created_at__lt=day_start(f.until) + timedelta(days=1))
    return query


def _disputes(f: OfficeFilter) -> QuerySet[CreditDispute]:
    return _filtered(CreditDispute.all(), f, "default__waiver")


def _defaults(f: OfficeFilter) -> QuerySet[CreditDefault]:
    query = _filtered(CreditDefault.all(), f, "waiver")
    if f.reported is not None:
        query = query.filter(report_queued_at__isnull=not f.reported)
    return query


async def _page(
    query: QuerySet[R], related: Sequence[str], case: Callable[[R, FieldCipher], C],
    cipher: FieldCipher, *, cursor: str | None, limit: int, newest_first: bool,
) -> tuple[list[C], str | None]:  # fmt: skip
    found = await paging.page(
        query.prefetch_related(*related), cursor=cursor, limit=limit, newest_first=newest_first
    )
    return [case(row, cipher) for row in found.items], found.next_cursor


async def _csv(
    query: QuerySet[R], related: Sequence[str], case: Callable[[R, FieldCipher], Any],
    columns: type[Any], cipher: FieldCipher,
) -> str:  # fmt: skip
    """Every matching row as CSV, oldest first, times in China time."""
    rows = await paging.export_rows(query)
    for part in chunks(rows):
        await type(part[0]).fetch_for_list(list(part), *related)
    names = [f.name for f in fields(columns)]
    lines = ([_cell(getattr(c, name)) for name in names] for c in (case(r, cipher) for r in rows))
    return paging.csv_text(names, lines)


def _cell(value: Any) -> Any:
    return local(value) if isinstance(value, datetime) else value


async def disputes(
    deps: Deps, f: OfficeFilter, *, cursor: str | None, limit: int
) -> tuple[list[DisputeCase], str | None]:
    """A page of disputes, oldest first: the office works the queue in order."""
    return await _page(_disputes(f), DISPUTE_RELATED, _dispute_case, deps.cipher,
                       cursor=cursor, limit=limit, newest_first=False)  # fmt: skip


async def defaults(
    deps: Deps, f: OfficeFilter, *, cursor: str | None, limit: int
) -> tuple[list[DefaultCase], str | None]:
    """A page of defaults, newest first."""
    return await _page(_defaults(f), DEFAULT_RELATED, _default_case, deps.cipher,
                       cursor=cursor, limit=limit, newest_first=True)  # fmt: skip


async def disputes_csv(deps: Deps, f: OfficeFilter) -> str:
    """Every matching dispute as CSV, oldest first."""
    return await _csv(_disputes(f), DISPUTE_RELATED, _dispute_case, DisputeCase, deps.cipher)


async def defaults_csv(deps: Deps, f: OfficeFilter) -> str:
    """Every matching default as CSV, oldest first."""
    return await _csv(_defaults(f), DEFAULT_RELATED, _default_case, DefaultCase, deps.cipher)


async def dispute(dispute_id: uuid.UUID, cipher: FieldCipher) -> DisputeCase:
    """One dispute as the office's list shows it."""
    row = await CreditDispute.get_or_none(id=dispute_id).prefetch_related(*DISPUTE_RELATED)
    if row is None:
        raise errors.dispute_not_found()
    return _dispute_case(row, cipher)
