"""WeChat Pay callbacks: payment results, checked by the platform's signature, applied once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from aiohttp import web

from integrations.wechatpay.models import CallbackRejected
from palm import keys
from palm.api import Api
from services.credit import payments as credit_payments
from services.transit import settlement

api = Api("system")
log = logging.getLogger("palm.wechatpay")


def _fail(status: int, message: str) -> web.Response:
    # WeChat Pay's own answer shape: it retries (with backoff) anything but 2xx.
    return web.json_response({"code": "FAIL", "message": message}, status=status)


@api.post(
    "/api/v1/payments/wechatpay/notify", auth="signed", status=204,
    extra_responses={400: "Not our order as we know it", 401: "Not signed by WeChat Pay"},
)  # fmt: skip
async def wechatpay_notify(request: web.Request) -> web.StreamResponse | None:
    """WeChat Pay reports a payment result (signature and age checked, resource decrypted)."""
    deps = request.app[keys.DEPS]
    try:
        _, transaction = deps.wechatpay.parse_callback(request.headers, await request.read())
    except CallbackRejected as exc:
        log.warning("WeChat Pay callback refused: %s", exc)
        return _fail(401, "签名验证失败")
    if transaction.out_trade_no.startswith(credit_payments.TRADE_PREFIX):  # a credit default
        if transaction.succeeded and not await credit_payments.confirm(
            transaction.out_trade_no, amount_fen=transaction.amount.total,
            transaction_id=transaction.transaction_id or "", now=datetime.now(UTC),
        ):  # fmt: skip
            log.error("WeChat Pay callback does not match a credit order")
            return _fail(400, "订单信息不符")
        return None
    try:
        await settlement.record(deps, transaction)  # transit: rides and top-ups
    except ValueError as exc:  # not one of our orders as we know it
        log.error("WeChat Pay callback does not match an order: %s", exc)
        return _fail(400, "订单信息不符")
    return None
