"""The credit office's lists: disputes and defaults by state, merchant, scene, order reference
and days; paged or as CSV. Holders' names are masked here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.credit.waivers import CreditDefault, CreditDispute
from services import paging
from services.credit.desk import day_start, local
from services.credit.queries import chunks
from services.privacy import FieldCipher, mask_name

DisputeState = Literal["pending", "upheld", "rejected", "withdrawn", "all"]
DefaultState = Literal["open", "disputed", "unresolved", "resolved", "all"]
DISPUTE_RELATED = (
    "default__waiver__merchant", "default__waiver__scene", "default__account__resident",
)  # fmt: skip
DEFAULT_RELATED = ("waiver__merchant", "waiver__scene", "account__resident")
DISPUTE_COLUMNS = (
    "id", "status", "created_at", "reason", "waiver_id", "merchant", "scene", "reference",
    "holder", "amount_fen", "evidence", "decided_at", "decision_note",
)  # fmt: skip
DEFAULT_COLUMNS = (
    "id", "status", "resolution", "created_at", "window_ends_at", "waiver_id", "merchant",
    "scene", "reference", "holder", "amount_fen", "evidence", "reported_at", "repaired_at",
    "resolved_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OfficeFilter:
    status: str = "all"
    merchant: str | None = None  # organisation code
    scene: str | None = None
    reference: str | None = None  # the merchant's order number, exactly
    since: date | None = None  # created on or after this China-time day
    until: date | None = None
    reported: bool | None = None  # defaults only: sent to the credit platform or not


def _filtered(query: QuerySet[Any], f: OfficeFilter, waiver: str) -> QuerySet[Any]:
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


async def disputes(
    f: OfficeFilter, *, cursor: str | None, limit: int
) -> paging.Page[CreditDispute]:
    """A page of disputes, oldest first: the office works the queue in order."""
    query = _disputes(f).prefetch_related(*DISPUTE_RELATED)
    return await paging.page(query, cursor=cursor, limit=limit, newest_first=False)


async def defaults(
    f: OfficeFilter, *, cursor: str | None, limit: int
) -> paging.Page[CreditDefault]:
    """A page of defaults, newest first."""
    query = _defaults(f).prefetch_related(*DEFAULT_RELATED)
    return await paging.page(query, cursor=cursor, limit=limit)


def holder(resident_name_enc: str | None, cipher: FieldCipher) -> str | None:
    return mask_name(cipher.decrypt(resident_name_enc, field="name")) if resident_name_enc else None


async def _fetched(rows: Sequence[Model], *related: str) -> None:
    for part in chunks(rows):
        await type(part[0]).fetch_for_list(list(part), *related)


async def disputes_csv(f: OfficeFilter, cipher: FieldCipher) -> str:
    """Every matching dispute as CSV, oldest first."""
    rows = await paging.export_rows(_disputes(f))
    await _fetched(rows, *DISPUTE_RELATED)
    lines = (
        [r.id, r.status.value, local(r.created_at), r.reason, r.default.waiver.id,
         r.default.waiver.merchant.code, r.default.waiver.scene.code, r.default.waiver.reference,
         holder(r.default.account.resident.name_enc, cipher), r.default.amount_fen,
         r.default.evidence, local(r.decided_at), r.decision_note]
        for r in rows
    )  # fmt: skip
    return paging.csv_text(DISPUTE_COLUMNS, lines)


async def defaults_csv(f: OfficeFilter, cipher: FieldCipher) -> str:
    """Every matching default as CSV, oldest first."""
    rows = await paging.export_rows(_defaults(f))
    await _fetched(rows, *DEFAULT_RELATED)
    lines = (
        [d.id, d.status.value, d.resolution, local(d.created_at), local(d.window_ends_at),
         d.waiver.id, d.waiver.merchant.code, d.waiver.scene.code, d.waiver.reference,
         holder(d.account.resident.name_enc, cipher), d.amount_fen, d.evidence,
         local(d.reported_at), local(d.repaired_at), local(d.resolved_at)]
        for d in rows
    )  # fmt: skip
    return paging.csv_text(DEFAULT_COLUMNS, lines)
