"""Paying a default or a care bill through WeChat Pay: an order, then the payment callback.

The gateway is a Protocol (``integrations.wechatpay`` provides it); ``confirm`` is what the
payment notification handler calls for our orders (``out_trade_no`` starting ``CR``) once it
has verified a successful payment.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tortoise.transactions import in_transaction

from integrations.wechatpay.models import PaymentRequest
from models.credit.waivers import (
    BillStatus,
    CareBill,
    CreditDefault,
    CreditPayment,
    CreditWaiver,
    DefaultStatus,
    PaymentPurpose,
)
from services.credit import care, defaults, errors, waivers
from services.deps import Deps
from services.transit.settlement import notify_url

log = logging.getLogger("palm.credit")
TRADE_PREFIX = "CR"  # our out_trade_no prefix: the callback router sends these here


class PaymentGateway(Protocol):
    """What paying needs from WeChat Pay v3 (a JSAPI order, for the mini-program)."""

    async def jsapi_prepay(
        self,
        *,
        appid: str,
        out_trade_no: str,
        openid: str,
        amount_fen: int,
        description: str,
        notify_url: str,
    ) -> PaymentRequest: ...


@dataclass(frozen=True, slots=True)
class Order:
    out_trade_no: str
    amount_fen: int
    purpose: PaymentPurpose
    request: PaymentRequest  # what wx.requestPayment needs


async def owed(waiver: CreditWaiver) -> tuple[PaymentPurpose, int] | None:
    """What the holder owes on this waiver now, if anything."""
    default = await CreditDefault.get_or_none(waiver_id=waiver.id)
    if default is not None and default.status != DefaultStatus.RESOLVED:
        return PaymentPurpose.DEFAULT, default.amount_fen
    bill = await CareBill.get_or_none(waiver_id=waiver.id, status=BillStatus.DUE)
    if bill is not None and bill.amount_fen:
        return PaymentPurpose.BILL, bill.amount_fen
    return None


async def start(
    deps: Deps, actor_id: uuid.UUID, member: str, waiver_id: uuid.UUID, *, now: datetime
) -> Order:
    """Open a WeChat Pay order for what is owed on the member's waiver; the caller pays it.

    The payer may be family acting for the holder: their own WeChat pays.
    """
    held = await waivers.of_member(actor_id, member, waiver_id, cipher=deps.cipher, now=now)
    waiver, payer = held.waiver, held.actor
    gateway: PaymentGateway = deps.wechatpay
    due = await owed(waiver)
    if due is None:
        raise errors.nothing_owed()
    purpose, amount = due
    await waiver.fetch_related("merchant")
    out_trade_no = TRADE_PREFIX + uuid.uuid4().hex[:30]  # WeChat Pay allows 32 characters
    await CreditPayment.create(
        out_trade_no=out_trade_no, waiver=waiver, purpose=purpose, amount_fen=amount,
        payer=payer.id, created_at=now,
    )  # fmt: skip
    what = "违约金" if purpose == PaymentPurpose.DEFAULT else "医疗费用"
    request = await gateway.jsapi_prepay(
        appid=deps.settings.wechat.app_id, out_trade_no=out_trade_no, openid=payer.openid,
        amount_fen=amount, description=f"{waiver.merchant.name_zh}{what}"[:40],
        notify_url=notify_url(deps),
    )  # fmt: skip
    return Order(out_trade_no, amount, purpose, request)


async def confirm(
    out_trade_no: str, *, amount_fen: int, transaction_id: str, now: datetime
) -> bool:
    """A verified payment notification: settle what it paid for. Idempotent.

    False when the order is not ours or the amount differs (left for an operator).
    """
    payment = await CreditPayment.get_or_none(out_trade_no=out_trade_no)
    if payment is None or payment.amount_fen != amount_fen:
        log.warning("payment %s does not match an order", out_trade_no)
        return False
    async with in_transaction():
        if not await CreditPayment.filter(id=payment.id, paid_at__isnull=True).update(
            paid_at=now, transaction_id=transaction_id
        ):
            return True  # a repeated notification
        waiver = await CreditWaiver.get(id=payment.waiver_id).prefetch_related("account")  # type: ignore[attr-defined]
        payer = payment.payer or waiver.account.resident_id  # type: ignore[attr-defined]
        if payment.purpose == PaymentPurpose.DEFAULT:
            default = await CreditDefault.get(waiver_id=waiver.id)
            await defaults.resolve(default, "paid", actor=payer, now=now, note=transaction_id)
        else:
            await care.paid(waiver, actor=payer, now=now)
    return True
