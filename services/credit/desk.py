"""A merchant's desk: its waivers by state, order reference, scene and dates (paged or CSV),
and what staff do to one of them (release, default, bill, paid at the counter).

The desk sees what the scan needs to follow a waiver up: amounts, dates, states and the
holder's masked name; never a rating, a score or a personal number.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from models.credit.waivers import BillStatus, CreditWaiver, CreditWaiverEvent, EventKind
from models.credit.waivers import WaiverStatus as S
from models.identity.organisations import Organisation
from services import paging
from services.credit import care, defaults, queries, scenes, waivers
from services.credit.notices import CHINA
from services.credit.queries import WaiverView, assemble_for_desk
from services.deps import Deps

DeskView = Literal["active", "overdue", "defaulted", "closed", "released", "all"]
"""closed: every finished waiver; released: closed because the item came back."""
_STATUS = {"active": S.ACTIVE, "overdue": S.ACTIVE, "defaulted": S.DEFAULTED,
           "closed": S.CLOSED, "released": S.CLOSED}  # fmt: skip
CSV_COLUMNS = (
    "id", "reference", "scene", "amount_fen", "status", "holder", "granted_at", "due_at",
    "closed_at", "overdue", "default_amount_fen", "default_status", "bill_status",
    "bill_amount_fen", "bill_due_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DeskFilter:
    view: DeskView = "active"
    reference: str | None = None  # the merchant's own order or loan number, exactly
    scene: str | None = None
    since: date | None = None  # granted on or after this China-time day
    until: date | None = None  # granted on or before


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA)


def _query(
    merchant: Organisation, f: DeskFilter, now: datetime
) -> tuple[QuerySet[CreditWaiver], str, bool]:
    """The filtered rows, the column they are ordered by, and whether newest first."""
    query = CreditWaiver.filter(merchant=merchant)
    if f.view in _STATUS:
        query = query.filter(status=_STATUS[f.view])
    if f.view == "overdue":
        query = query.filter(
            Q(bill__status=BillStatus.DUE, bill__due_at__lt=now)
            | Q(bill__id__isnull=True, due_at__lt=now)
        )
    if f.view == "released":
        released = CreditWaiverEvent.filter(kind=EventKind.RELEASED, waiver__merchant=merchant)
        query = query.filter(id__in=Subquery(released.values("waiver_id")))
    if f.reference is not None:
        query = query.filter(reference=f.reference)
    if f.scene is not None:
        query = query.filter(scene__code=f.scene)
    if f.since is not None:
        query = query.filter(granted_at__gte=day_start(f.since))
    if f.until is not None:
        query = query.filter(granted_at__lt=day_start(f.until) + timedelta(days=1))
    if f.view == "overdue":  # the longest overdue first: those are the calls to make
        return query, "due_at", False
    return query, "granted_at", True


async def page(
    deps: Deps, merchant_code: str | None, f: DeskFilter, *, now: datetime, cursor: str | None,
    limit: int,
) -> tuple[list[WaiverView], str | None]:  # fmt: skip
    """One page of the staff's merchant's waivers matching ``f``."""
    query, order, newest_first = _query(await scenes.merchant_of(merchant_code), f, now)
    found = await paging.page(
        query, cursor=cursor, limit=limit, order=order, newest_first=newest_first
    )
    return await assemble_for_desk(found.items, deps.cipher), found.next_cursor


async def export(deps: Deps, merchant_code: str | None, f: DeskFilter, *, now: datetime) -> str:
    """Every waiver matching ``f`` as CSV, oldest first (times in China time)."""
    query, order, _ = _query(await scenes.merchant_of(merchant_code), f, now)
    views = await assemble_for_desk(await paging.export_rows(query, order=order), deps.cipher)
    return paging.csv_text(CSV_COLUMNS, (_row(v, now) for v in views))


def local(moment: datetime | None) -> str | None:
    return moment.astimezone(CHINA).isoformat(timespec="seconds") if moment else None


def _row(view: WaiverView, now: datetime) -> list[Any]:
    w, d, b = view.waiver, view.default, view.bill
    return [
        w.id, w.reference, w.scene.code, w.amount_fen, w.status.value, view.holder,
        local(w.granted_at), local(w.due_at), local(w.closed_at), view.overdue(now),
        d and d.amount_fen, d and d.status.value, b and b.status.value, b and b.amount_fen,
        b and local(b.due_at),
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Release:
    """The item is back (book returned, guest checked out): the waiver closes."""


@dataclass(frozen=True, slots=True)
class RecordDefault:
    """The item is lost or damaged, or a bill unpaid: the resident may pay or dispute."""

    amount_fen: int
    evidence: str


@dataclass(frozen=True, slots=True)
class SettleBill:
    """信用就医 discharge: the bill is known and due after the interest-free days."""

    amount_fen: int


@dataclass(frozen=True, slots=True)
class PaidAtCounter:
    """The resident paid what they owed (a default or a bill) at the desk."""


Action = Release | RecordDefault | SettleBill | PaidAtCounter


async def act(
    deps: Deps, merchant_code: str | None, waiver_id: uuid.UUID, action: Action, *,
    staff_id: uuid.UUID, now: datetime,
) -> WaiverView:  # fmt: skip
    """Apply ``action`` to one of the staff's merchant's waivers; the waiver as it is now."""
    merchant = await scenes.merchant_of(merchant_code)
    waiver = await waivers.of_merchant(merchant, waiver_id)
    match action:
        case Release():
            await waivers.release(waiver, staff_id=staff_id, now=now)
        case RecordDefault(amount_fen, evidence):
            await defaults.record(waiver, amount_fen, evidence, staff_id=staff_id, now=now)
        case SettleBill(amount_fen):
            await care.settle(waiver, amount_fen, staff_id=staff_id, now=now)
        case PaidAtCounter():
            await waivers.paid_at_counter(waiver, staff_id=staff_id, now=now)
    return await queries.one_of_merchant(merchant, waiver.id, cipher=deps.cipher)
