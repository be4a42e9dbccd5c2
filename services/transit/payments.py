"""Paying what is owed: arrears deducted again on request, prepaid balances topped up.

Both go through WeChat Pay with an out_trade_no of their own; the result is applied by
``settlement.record`` once, whether it comes from our query or from the callback.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from integrations.wechatpay.models import PaymentRequest, WeChatPayError
from models.transit.accounts import (
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    TransitAccount,
    TransitPayment,
)
from services.deps import Deps
from services.identity import residents
from services.transit import accounts, errors, settlement
from services.transit.accounts import RiderAccount

MAX_TOP_UP_FEN = 50_000


async def repay(deps: Deps, actor_id: uuid.UUID, member: str, *, now: datetime) -> RiderAccount:
    """Deduct the arrears now; on success the block is lifted before this returns."""
    account = await accounts.rider_account(deps, actor_id, member, now=now)
    if account.arrears_fen <= 0:
        raise errors.nothing_owed()
    if account.payment_method != PaymentMethod.DEDUCTION:
        raise errors.top_up_instead()
    payment = await TransitPayment.create(
        account=account, kind=PaymentKind.REPAYMENT, amount_fen=account.arrears_fen,
        out_trade_no=settlement.new_trade_no("RP"),
    )  # fmt: skip
    payment.account = account
    try:
        status = await settlement.deduct(deps, payment)
    except WeChatPayError:
        status = PaymentStatus.FAILED
    if status != PaymentStatus.SUCCEEDED:
        raise errors.payment_failed()
    return await accounts.with_card(await TransitAccount.get(id=account.id))


async def top_up(
    deps: Deps, actor_id: uuid.UUID, member: str, amount_fen: int, *, now: datetime
) -> tuple[TransitPayment, PaymentRequest]:
    """A JSAPI order; the balance (arrears first) is credited when WeChat Pay confirms it.

    The signed-in resident pays (a parent for a child's account).
    """
    payer = await residents.get_active(actor_id)
    account = await accounts.account_for(payer, member, cipher=deps.cipher, now=now)
    if account.payment_method != PaymentMethod.PREPAID:
        raise errors.not_prepaid()
    if not 100 <= amount_fen <= MAX_TOP_UP_FEN:
        raise errors.top_up_amount()
    payment = await TransitPayment.create(
        account=account, kind=PaymentKind.TOP_UP, amount_fen=amount_fen,
        out_trade_no=settlement.new_trade_no("TU"),
    )  # fmt: skip
    request = await deps.wechatpay.jsapi_prepay(
        appid=deps.settings.wechat.app_id, out_trade_no=payment.out_trade_no,
        openid=payer.openid, amount_fen=amount_fen, description="威海公交 乘车码充值",
        notify_url=settlement.notify_url(deps),
    )  # fmt: skip
    return payment, request
