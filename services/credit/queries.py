"""Reading waivers: the holder's own history, one waiver at a desk, a merchant's monthly totals."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from models.credit.scenes import Rating
from models.credit.waivers import (
    BillStatus,
    CareBill,
    CreditDefault,
    CreditDispute,
    CreditWaiver,
    CreditWaiverEvent,
    DefaultStatus,
    WaiverStatus,
)
from models.identity.organisations import Organisation
from services import paging
from services.credit import accounts, errors, events, members, ratings, scenes, waivers
from services.credit.notices import CHINA
from services.deps import Deps
from services.privacy import FieldCipher, mask_name

OPEN = (WaiverStatus.ACTIVE, WaiverStatus.DEFAULTED)
M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class WaiverView:
    """A waiver with what hangs off it (scene and merchant are prefetched)."""

    waiver: CreditWaiver
    default: CreditDefault | None
    dispute: CreditDispute | None  # the latest
    bill: CareBill | None
    events: list[CreditWaiverEvent] = field(default_factory=list)
    holder: str | None = None  # masked name, for the merchant's desk

    def overdue(self, now: datetime) -> bool:
        if self.waiver.status != WaiverStatus.ACTIVE:
            return False
        bill_late = (
            self.bill is not None
            and self.bill.due_at is not None
            and (self.bill.status == BillStatus.DUE and self.bill.due_at < now)
        )
        return bill_late or (self.bill is None and self.waiver.due_at < now)


CHUNK = 500  # ids per IN (…) list: SQLite allows a few thousand parameters at most


def chunks(items: Sequence[M], size: int = CHUNK) -> list[Sequence[M]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _assemble(
    waivers: Sequence[CreditWaiver], *, cipher: FieldCipher | None, with_events: bool
) -> list[WaiverView]:
    views: list[WaiverView] = []
    for part in chunks(waivers):
        views += await _assemble_part(part, cipher=cipher, with_events=with_events)
    return views


async def _assemble_part(
    waivers: Sequence[CreditWaiver], *, cipher: FieldCipher | None, with_events: bool
) -> list[WaiverView]:
    ids = [w.id for w in waivers]
    found_defaults = {d.waiver_id: d for d in await CreditDefault.filter(waiver_id__in=ids)}  # type: ignore[attr-defined]
    bills = {b.waiver_id: b for b in await CareBill.filter(waiver_id__in=ids)}  # type: ignore[attr-defined]
    disputes: dict[uuid.UUID, CreditDispute] = {}
    default_ids = [x.id for x in found_defaults.values()]
    for d in await CreditDispute.filter(default_id__in=default_ids).order_by("created_at"):
        disputes[d.default_id] = d  # type: ignore[attr-defined]  # ordered: the latest wins
    history = await events.of(ids) if with_events else {}
    views = []
    for w in waivers:
        default = found_defaults.get(w.id)
        holder = None
        if cipher is not None and w.account.resident.name_enc:
            holder = mask_name(cipher.decrypt(w.account.resident.name_enc, field="name"))
        views.append(
            WaiverView(
                w,
                default,
                disputes.get(default.id) if default else None,
                bills.get(w.id),
                history.get(w.id, []),
                holder,
            )
        )
    return views


async def assemble_for_desk(
    waivers: Sequence[CreditWaiver], cipher: FieldCipher
) -> list[WaiverView]:
    """Views for a merchant's desk (masked holder names, no history), any number of rows."""
    for part in chunks(waivers):
        await CreditWaiver.fetch_for_list(list(part), "scene", "merchant", "account__resident")
    return await _assemble(waivers, cipher=cipher, with_events=False)


async def of_resident(
    resident_id: uuid.UUID, limit: int = 100, waiver_id: uuid.UUID | None = None
) -> list[WaiverView]:
    """The resident's waivers (or just one), newest first, each with its history."""
    query = CreditWaiver.filter(account__resident_id=resident_id)
    if waiver_id is not None:
        query = query.filter(id=waiver_id)
    rows = await query.order_by("-granted_at").limit(limit).prefetch_related("scene", "merchant")
    return await _assemble(rows, cipher=None, with_events=True)


async def page_of_member(
    deps: Deps, actor_id: uuid.UUID, member: str, *, cursor: str | None, limit: int,
    now: datetime,
) -> tuple[list[WaiverView], str | None]:  # fmt: skip
    """A page of the member's waivers, newest first, each with its history."""
    _, holder = await members.resolve(actor_id, member, cipher=deps.cipher, now=now)
    query = CreditWaiver.filter(account__resident_id=holder.id).prefetch_related(
        "scene", "merchant"
    )
    found = await paging.page(query, cursor=cursor, limit=limit, order="granted_at")
    return await _assemble(found.items, cipher=None, with_events=True), found.next_cursor


async def one_of_member(
    deps: Deps, actor_id: uuid.UUID, member: str, waiver_id: uuid.UUID, *, now: datetime
) -> WaiverView:
    """One of the member's waivers with its default, bill and history."""
    held = await waivers.of_member(actor_id, member, waiver_id, cipher=deps.cipher, now=now)
    (view,) = await of_resident(held.holder.id, waiver_id=held.waiver.id)
    return view


async def one_of_merchant(
    merchant: Organisation, waiver_id: uuid.UUID, *, cipher: FieldCipher
) -> WaiverView:
    """One of the merchant's waivers as its desk sees it."""
    rows = await CreditWaiver.filter(merchant=merchant, id=waiver_id).prefetch_related(
        "scene", "merchant", "account__resident"
    )
    if not rows:
        raise errors.waiver_not_found()
    (view,) = await _assemble(rows, cipher=cipher, with_events=False)
    return view


@dataclass(frozen=True, slots=True)
class Totals:
    count: int = 0
    amount_fen: int = 0


@dataclass(frozen=True, slots=True)
class Summary:
    month: str  # YYYY-MM
    totals: dict[str, Totals]  # by event kind


async def summary(merchant_code: str | None, month: str | None, *, now: datetime) -> Summary:
    """A month's totals (YYYY-MM, China time; this month when None) for the staff's merchant."""
    month = month or now.astimezone(CHINA).strftime("%Y-%m")
    year, number = (int(part) for part in month.split("-"))
    return Summary(month, await monthly(await scenes.merchant_of(merchant_code), year, number))


async def monthly(merchant: Organisation, year: int, month: int) -> dict[str, Totals]:
    """What happened to this merchant's waivers in a calendar month (China time), by event."""
    start = datetime(year, month, 1, tzinfo=CHINA)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=CHINA)
    rows = await CreditWaiverEvent.filter(
        waiver__merchant=merchant, at__gte=start, at__lt=end
    ).values_list("kind", "amount_fen")
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, amount in rows:
        counts[str(kind)][0] += 1
        counts[str(kind)][1] += int(amount or 0)
    return {kind: Totals(n, total) for kind, (n, total) in counts.items()}


@dataclass(frozen=True, slots=True)
class Profile:
    rating: Rating | None
    limit_fen: int
    waived_fen: int
    blocked: bool
    active: list[WaiverView]
    defaults: list[WaiverView]


async def profile(deps: Deps, actor_id: uuid.UUID, member: str, *, now: datetime) -> Profile:
    """The member's standing: rating band, what is waived against what limit, defaults."""
    _, resident = await members.resolve(actor_id, member, cipher=deps.cipher, now=now)
    identity = accounts.identity_of(resident, deps.cipher)
    key = resident.id_number_hash or resident.id.hex
    rating = await ratings.rating_of(deps.credit, deps.redis, identity, key)
    views = [
        v
        for v in await of_resident(resident.id, limit=500)
        if v.waiver.status in OPEN or v.default is not None
    ]
    waived = sum(v.waiver.amount_fen for v in views if v.waiver.status in OPEN)
    blocked = any(
        v.default.report_queued_at is not None and v.default.status != DefaultStatus.RESOLVED
        for v in views
        if v.default is not None
    )
    return Profile(
        rating=rating,
        limit_fen=ratings.Standing(rating, False).limit_fen,
        waived_fen=waived,
        blocked=blocked,
        active=[v for v in views if v.waiver.status == WaiverStatus.ACTIVE],
        defaults=[v for v in views if v.default is not None],
    )
