"""Granting a waiver at a merchant's desk: code, scene, credit standing, limits, all at once.

The limit check and the new waiver happen in one transaction holding the resident's account
row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite runs one writing transaction at a time),
so concurrent grants for one resident are decided one after the other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from tortoise.exceptions import IntegrityError
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from models.credit.scenes import CreditAccount, CreditScene, SceneKind
from models.credit.waivers import CreditDefault, CreditWaiver, DefaultStatus, EventKind
from models.identity.organisations import Organisation
from services.credit import accounts, care, errors, events, ratings, scenes
from services.credit.ratings import Standing
from services.deps import Deps
from services.privacy import mask_name

Reason = Literal["credit_requirement_not_met", "limit_reached", "not_eligible"]
REASONS: dict[Reason, tuple[str, str]] = {
    "credit_requirement_not_met": (
        "信用条件未达到本场景要求，请缴纳押金。",
        "The credit requirements of this scene are not met; please take a deposit.",
    ),
    "limit_reached": (
        "免押额度已用完，请缴纳押金。",
        "The resident's waiver limit is used up; please take a deposit.",
    ),
    "not_eligible": (
        "该账户暂不能使用信用免押，请缴纳押金。",
        "This account cannot use credit waivers now; please take a deposit.",
    ),
}
WAIVED = ("已免押。", "Deposit waived.")
OPEN_STATUSES = ("active", "defaulted")  # waivers that still count against the limits


@dataclass(frozen=True, slots=True)
class GrantRequest:
    code: str
    scene: str
    amount_fen: int
    reference: str


@dataclass(frozen=True, slots=True)
class Decision:
    """What the merchant is told: waived or not, and why not in a category, nothing more."""

    scene: CreditScene
    amount_fen: int
    waiver: CreditWaiver | None
    reason: Reason | None
    holder: str | None  # the resident's name, masked, for the desk to compare

    @property
    def deposit_to_take_fen(self) -> int:
        return 0 if self.waiver else self.amount_fen

    @property
    def message(self) -> tuple[str, str]:
        """What the desk reads out, in Chinese and English."""
        return REASONS[self.reason] if self.reason else WAIVED


async def grant(
    deps: Deps,
    request: GrantRequest,
    *,
    merchant_code: str | None,
    staff_id: uuid.UUID,
    now: datetime,
) -> Decision:
    """Scan, check and (when allowed) waive at the staff's merchant; refusals are answers."""
    merchant = await scenes.merchant_of(merchant_code)
    scene = await scenes.bound_scene(merchant, request.scene)
    if not 0 < request.amount_fen <= scene.deposit_fen:
        raise errors.amount_over_deposit()
    if await CreditWaiver.exists(merchant=merchant, reference=request.reference):
        raise errors.reference_taken()
    account = await accounts.account_from_code(request.code, deps.redis, deps.codes, now=now)

    def refuse(reason: Reason, holder: str | None = None) -> Decision:
        return Decision(scene, request.amount_fen, None, reason, holder)

    if account is None or account.resident.verified_at is None:
        return refuse("not_eligible")
    identity = accounts.identity_of(account.resident, deps.cipher)
    holder = mask_name(identity.name)
    key = account.resident.id_number_hash or account.resident.id.hex
    standing = await ratings.standing(deps.credit, deps.redis, identity, key)
    if not standing.meets(scene):
        return refuse("credit_requirement_not_met", holder)
    try:
        async with in_transaction():
            reason = await _check_limits(account, scene, request.amount_fen, standing)
            if reason is not None:
                return refuse(reason, holder)
            waiver = await _create(account, scene, merchant, request, staff_id, now)
    except IntegrityError:  # the same reference granted concurrently
        raise errors.reference_taken() from None
    return Decision(scene, request.amount_fen, waiver, None, holder)


async def _check_limits(
    account: CreditAccount, scene: CreditScene, amount_fen: int, standing: Standing
) -> Reason | None:
    # The row lock serialises grants for one resident: what is read below cannot change
    # until this transaction ends.
    await CreditAccount.filter(id=account.id).select_for_update().get()
    blocked = await CreditDefault.filter(account_id=account.id, report_queued_at__isnull=False)
    if any(d.status != DefaultStatus.RESOLVED for d in blocked):
        return "credit_requirement_not_met"
    # Summed by the database, one row per scene: a resident may hold many small open waivers.
    rows = (
        await CreditWaiver.filter(account_id=account.id, status__in=OPEN_STATUSES)
        .annotate(open_fen=Sum("amount_fen"))
        .group_by("scene_id")
        .values_list("scene_id", "open_fen")
    )
    total = sum(int(amount or 0) for _, amount in rows)
    here = sum(int(amount or 0) for scene_id, amount in rows if scene_id == scene.id)
    if here + amount_fen > scene.resident_limit_fen or total + amount_fen > standing.limit_fen:
        return "limit_reached"
    return None


async def _create(
    account: CreditAccount,
    scene: CreditScene,
    merchant: Organisation,
    request: GrantRequest,
    staff_id: uuid.UUID,
    now: datetime,
) -> CreditWaiver:
    waiver = await CreditWaiver.create(
        account=account,
        scene=scene,
        merchant=merchant,
        amount_fen=request.amount_fen,
        reference=request.reference,
        granted_by=staff_id,
        granted_at=now,
        due_at=now + timedelta(days=scene.max_days),
    )
    await events.record(
        waiver,
        EventKind.GRANTED,
        at=now,
        amount_fen=request.amount_fen,
        actor=staff_id,
        note=request.reference,
    )
    if scene.kind == SceneKind.HOSPITAL:
        await care.open_bill(waiver, now=now)
    return waiver
