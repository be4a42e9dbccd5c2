"""Daily settlement: each post-paid rider's unpaid trips of a day become one WeChat Pay deduction.

A payment row (unique per account and day, with its own out_trade_no) is created with the
trips it covers, then a job asks WeChat Pay to deduct and reads the result; the callback
reports the same result. Whichever arrives first finishes the payment, the other finds it
done. A failed deduction becomes arrears, and arrears put the account on the revocation list.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from integrations.wechatpay.models import Transaction
from models.transit.accounts import (
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    TransitAccount,
    TransitPayment,
)
from models.transit.trips import Trip, TripStatus
from services import jobs, notifications
from services.deps import Deps
from services.transit import accounts, cache, fares

NOTIFY_PATH = "/api/v1/payments/wechatpay/notify"
SETTLE_BATCH = 500


def new_trade_no(prefix: str) -> str:
    return f"{prefix}{datetime.now(UTC):%y%m%d}{secrets.token_hex(8)}"[:32]


def notify_url(deps: Deps) -> str:
    return deps.base_url() + NOTIFY_PATH


async def run_now(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: settlement queued by an operator, through a given day (yesterday by default)."""
    through = payload.get("through")
    today = fares.service_date(datetime.now(UTC))
    await settle(date.fromisoformat(through) + timedelta(days=1) if through else today)


async def settle_daily(deps: Deps) -> None:
    """Cron: settle every day before today, in batches (idempotent, resumable)."""
    await settle(fares.service_date(datetime.now(UTC)))


async def settle(today: date) -> int:
    """Create the deductions for unpaid trips before ``today``; returns how many were made."""
    made = 0
    while True:
        pending = await (
            Trip.filter(status=TripStatus.UNSETTLED, payment_id__isnull=True,
                        service_date__lt=today, account__payment_method=PaymentMethod.DEDUCTION)
            .group_by("account_id", "service_date")
            .annotate(total=Sum("fare_fen"))
            .limit(SETTLE_BATCH)
            .values("account_id", "service_date", "total")
        )  # fmt: skip
        if not pending:
            return made
        for row in pending:
            made += await _deduction(row["account_id"], row["service_date"], int(row["total"]))


async def _deduction(account_id: Any, day: date, total: int) -> int:
    async with in_transaction():
        payment, created = await TransitPayment.get_or_create(
            account_id=account_id, kind=PaymentKind.DEDUCTION, business_date=day,
            defaults={"out_trade_no": new_trade_no("RD"), "amount_fen": total},
        )  # fmt: skip
        if not created:  # trips uploaded late for a day already settled: a day of their own
            payment = await TransitPayment.create(
                account_id=account_id, kind=PaymentKind.LATE, business_date=None,
                out_trade_no=new_trade_no("RL"), amount_fen=total,
            )  # fmt: skip
        await Trip.filter(
            account_id=account_id, service_date=day, status=TripStatus.UNSETTLED,
            payment_id__isnull=True,
        ).update(payment_id=payment.id)  # fmt: skip
        await jobs.add("transit.payment.apply", {"id": payment.id}, key=f"transit-pay:{payment.id}")
    return 1


async def apply_payment(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: ask WeChat Pay to deduct (idempotent by out_trade_no), then read the result."""
    payment = await TransitPayment.get(id=payload["id"]).prefetch_related("account")
    if payment.status != PaymentStatus.PENDING:
        return
    await deduct(deps, payment)
    if (await TransitPayment.get(id=payment.id)).status == PaymentStatus.PENDING:
        raise jobs.RetryLater(60, "WeChat Pay has not finished the deduction")


async def deduct(deps: Deps, payment: TransitPayment) -> PaymentStatus:
    account: TransitAccount = payment.account
    await deps.wechatpay.apply_deduction(
        appid=deps.settings.wechat.app_id, out_trade_no=payment.out_trade_no,
        contract_id=account.contract_id or "", amount_fen=payment.amount_fen,
        description="威海公交 乘车费用", notify_url=notify_url(deps),
    )  # fmt: skip
    return await record(deps, await deps.wechatpay.query(payment.out_trade_no))


async def record(deps: Deps, transaction: Transaction) -> PaymentStatus:
    """Apply a payment result (from a query or a callback) once; later copies change nothing."""
    if not (transaction.succeeded or transaction.failed):
        return PaymentStatus.PENDING
    status = PaymentStatus.SUCCEEDED if transaction.succeeded else PaymentStatus.FAILED
    now = datetime.now(UTC)
    async with in_transaction():
        payment = await TransitPayment.filter(
            out_trade_no=transaction.out_trade_no
        ).select_for_update().get_or_none()  # fmt: skip
        if payment is None or payment.status != PaymentStatus.PENDING:
            return payment.status if payment else PaymentStatus.PENDING
        if (
            transaction.amount.total != payment.amount_fen
            or transaction.mchid != deps.wechatpay.mchid
        ):
            raise ValueError("the payment result does not match our order")
        payment.status, payment.finished_at = status, now
        payment.transaction_id = transaction.transaction_id
        await payment.save(update_fields=["status", "finished_at", "transaction_id"])
        await _consequences(payment, status, now)
    await cache.forget(deps.changes, payment.account_id)  # type: ignore[attr-defined]
    return status


async def _consequences(payment: TransitPayment, status: PaymentStatus, now: datetime) -> None:
    account_id = payment.account_id  # type: ignore[attr-defined]
    ok = status == PaymentStatus.SUCCEEDED
    if payment.kind in (PaymentKind.TOP_UP, PaymentKind.REPAYMENT) and ok:
        rest = await accounts.pay_arrears(account_id, payment.amount_fen)
        if rest:
            await TransitAccount.filter(id=account_id).update(balance_fen=F("balance_fen") + rest)
        if not await TransitAccount.exists(id=account_id, arrears_fen__gt=0):
            await Trip.filter(account_id=account_id, status=TripStatus.FAILED).update(
                status=TripStatus.SETTLED
            )
    trip_status = TripStatus.SETTLED if ok else TripStatus.FAILED
    await Trip.filter(payment_id=payment.id).update(status=trip_status)
    if payment.kind in (PaymentKind.DEDUCTION, PaymentKind.LATE) and not ok:
        await accounts.add_arrears(account_id, payment.amount_fen)
        account = await TransitAccount.get(id=account_id)
        await notifications.notify(
            account.payer_id,  # type: ignore[attr-defined]
            "payment_due",
            {"thing1": "公交乘车费用扣款失败", "amount2": f"{payment.amount_fen / 100:.2f}元",
             "date3": now.astimezone(fares.WEIHAI).date().isoformat(),
             "thing4": "请补缴后继续使用乘车码"},
            key=f"transit-arrears:{payment.id}", page="pages/transit/account",
        )  # fmt: skip
