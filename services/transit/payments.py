"""Paying what is owed: arrears deducted again on request, prepaid balances topped up.

Both go through WeChat Pay with an out_trade_no of their own; the result is applied by
``settlement.record`` once, whether it comes from our query or from the callback.
"""

from __future__ import annotations

from integrations.wechatpay.models import PaymentRequest, WeChatPayError
from models.identity.residents import Resident
from models.transit.accounts import (
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    TransitAccount,
    TransitPayment,
)
from services.deps import Deps
from services.errors import Conflict, InvalidInput
from services.transit import settlement

MAX_TOP_UP_FEN = 50_000


async def repay(deps: Deps, account: TransitAccount) -> TransitAccount:
    """Deduct the arrears now; on success the block is lifted before this returns."""
    if account.arrears_fen <= 0:
        raise Conflict("transit_nothing_owed", "没有待补缴的车费。", "Nothing is owed.")
    if account.payment_method != PaymentMethod.DEDUCTION:
        raise Conflict("transit_top_up_instead", "预付账户请充值补缴。",
                       "A prepaid account pays its arrears by topping up.")  # fmt: skip
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
        raise Conflict(
            "transit_payment_failed", "扣款未成功，请检查微信支付余额后重试。",
            "WeChat Pay could not deduct the amount; check the balance and retry.",
        )  # fmt: skip
    return await TransitAccount.get(id=account.id)


async def top_up(
    deps: Deps, account: TransitAccount, payer: Resident, amount_fen: int
) -> tuple[TransitPayment, PaymentRequest]:
    """A JSAPI order; the balance (arrears first) is credited when WeChat Pay confirms it."""
    if account.payment_method != PaymentMethod.PREPAID:
        raise Conflict("transit_not_prepaid", "该账户为先乘后付，无需充值。",
                       "This account pays after the ride; no top-up is needed.")  # fmt: skip
    if not 100 <= amount_fen <= MAX_TOP_UP_FEN:
        raise InvalidInput("transit_top_up_amount", "充值金额应在1至500元之间。",
                           "Top up between 1 and 500 yuan.")  # fmt: skip
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
