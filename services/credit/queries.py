"""Reading waivers: the holder's own history, a merchant's desk lists and monthly totals."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from redis.asyncio import Redis
from tortoise.expressions import Q

from models.credit import Rating
from models.credit_waivers import (
    BillStatus,
    CareBill,
    CreditDefault,
    CreditDispute,
    CreditWaiver,
    CreditWaiverEvent,
    DefaultStatus,
    WaiverStatus,
)
from models.organisations import Organisation
from models.residents import Resident
from services.credit import accounts, events, ratings
from services.credit.notices import CHINA
from services.credit.ratings import CreditPlatform
from services.privacy import FieldCipher, mask_name

MerchantView = Literal["active", "overdue", "defaulted", "all"]
OPEN = (WaiverStatus.ACTIVE, WaiverStatus.DEFAULTED)


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


async def _assemble(
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


async def of_resident(
    resident_id: uuid.UUID, limit: int = 100, waiver_id: uuid.UUID | None = None
) -> list[WaiverView]:
    """The resident's waivers (or just one), newest first, each with its history."""
    query = CreditWaiver.filter(account__resident_id=resident_id)
    if waiver_id is not None:
        query = query.filter(id=waiver_id)
    rows = await query.order_by("-granted_at").limit(limit).prefetch_related("scene", "merchant")
    return await _assemble(rows, cipher=None, with_events=True)


async def of_merchant(
    merchant: Organisation,
    view: MerchantView,
    *,
    cipher: FieldCipher,
    now: datetime,
    limit: int = 100,
    waiver_id: uuid.UUID | None = None,
) -> list[WaiverView]:
    """A merchant's waivers for the desk: active, overdue, in default, or all (or just one)."""
    query = CreditWaiver.filter(merchant=merchant)
    if waiver_id is not None:
        query = query.filter(id=waiver_id)
    if view in ("active", "overdue"):
        query = query.filter(status=WaiverStatus.ACTIVE)
    elif view == "defaulted":
        query = query.filter(status=WaiverStatus.DEFAULTED)
    if view == "overdue":
        query = query.filter(
            Q(bill__status=BillStatus.DUE, bill__due_at__lt=now)
            | Q(bill__id__isnull=True, due_at__lt=now)
        )
    order = "due_at" if view == "overdue" else "-granted_at"
    rows = (
        await query.order_by(order)
        .limit(limit)
        .prefetch_related("scene", "merchant", "account__resident")
    )
    return await _assemble(rows, cipher=cipher, with_events=False)


@dataclass(frozen=True, slots=True)
class Totals:
    count: int = 0
    amount_fen: int = 0


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


async def profile(
    resident: Resident, *, platform: CreditPlatform, redis: Redis, cipher: FieldCipher
) -> Profile:
    """The resident's own standing: rating band, what is waived against what limit, defaults."""
    identity = accounts.identity_of(resident, cipher)
    key = resident.id_number_hash or resident.id.hex
    rating = await ratings.rating_of(platform, redis, identity, key)
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
