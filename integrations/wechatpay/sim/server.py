"""A WeChat Pay v3 simulator: checks our RSA signatures, signs its answers, queues callbacks.

Operations: deduction after the ride (``/v3/papay/pay/transactions/apply``), JSAPI orders
(``/v3/pay/transactions/jsapi``) and order queries. Each result is POSTed, signed and
encrypted, to the order's ``notify_url`` and retried until taken (``simnotify``);
``GET /_sim/notifications`` lists them with their delivery state.
Controls: ``POST /_sim/contracts {"contract_id", "balance_fen"}`` limits what a deduction
contract can pay (none: unlimited); ``POST /_sim/transactions/{out_trade_no}/pay`` is the
resident paying a JSAPI order (answered once the merchant has had the first notification);
``POST /_sim/notifications/hold {"hold": bool}`` holds notifications back, or releases them;
``POST /_sim/notifications/forged {"out_trade_no"}`` makes a callback signed by a key that is
not the platform's.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations.base import Platform
from integrations.simulator import SIM, NonceStore, control_body, is_control, simulator_app
from integrations.wechatpay import crypto
from integrations.wechatpay.keys import SimulatorKeys, simulator_keys
from integrations.wechatpay.sim.notify import DELIVERIES, Deliveries, deliveries_ctx
from integrations.wechatpay.sim.orders import ORDERS, Orders, callback

KEYS = web.AppKey("wechatpay_keys", SimulatorKeys)


def create_simulator(platform: Platform) -> web.Application:
    """WeChat Pay for our merchant id, with the platform key derived like the client's."""
    app = simulator_app(_signed(platform.app_id))
    app[KEYS] = simulator_keys(platform)
    app[ORDERS] = Orders(platform.app_id)
    app[DELIVERIES] = Deliveries()
    app.cleanup_ctx.append(deliveries_ctx)
    app.router.add_post("/v3/papay/pay/transactions/apply", _apply, name="papay.apply")
    app.router.add_post("/v3/pay/transactions/jsapi", _jsapi, name="pay.jsapi")
    app.router.add_get("/v3/pay/transactions/out-trade-no/{no}", _query, name="pay.query")
    app.router.add_post("/_sim/contracts", _contract)
    app.router.add_post("/_sim/transactions/{no}/pay", _pay)
    app.router.add_get("/_sim/notifications", _notifications)
    app.router.add_post("/_sim/notifications/hold", _hold)
    app.router.add_post("/_sim/notifications/forged", _forged)
    return app


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status)


def _signed(mchid: str) -> Any:
    nonces = NonceStore(ttl=2 * crypto.MAX_AGE_SECONDS)

    @web.middleware
    async def check_and_sign(request: web.Request, handler: Handler) -> web.StreamResponse:
        if is_control(request):
            return await handler(request)
        keys, now = request.app[KEYS], request.app[SIM].now()
        params = crypto.parse_authorization(request.headers.get("Authorization", ""))
        body = await request.read()
        if params is None or params["mchid"] != mchid:
            return error(401, "SIGN_ERROR", "Authorization 格式错误或商户号不符")
        if params["serial_no"] != keys.merchant_serial:
            return error(401, "SIGN_ERROR", "商户证书序列号有误")
        stamp = params["timestamp"]
        if not stamp.isdigit() or abs(now - int(stamp)) > crypto.MAX_AGE_SECONDS:
            return error(401, "SIGN_ERROR", "时间戳超出有效期")
        message = crypto.request_message(
            request.method, request.raw_path, stamp, params["nonce_str"], body
        )
        if not crypto.verify(keys.merchant_public_key, message, params["signature"]):
            return error(401, "SIGN_ERROR", "签名错误")
        if not nonces.add(params["nonce_str"], now):
            return error(401, "SIGN_ERROR", "随机串重复")
        response = await handler(request)
        if isinstance(response, web.Response):
            _sign_answer(response, keys.platform_private_key, keys.platform_serial, now)
        return response

    return check_and_sign


def _sign_answer(response: web.Response, key: rsa.RSAPrivateKey, serial: str, now: float) -> None:
    body = response.body if isinstance(response.body, bytes) else b""
    stamp, nonce = str(int(now)), crypto.new_nonce()
    response.headers.update({
        "Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": serial,
        "Wechatpay-Signature": crypto.sign(key, crypto.answer_message(stamp, nonce, body)),
    })  # fmt: skip


async def _payload(request: web.Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.read())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _order_fields(body: dict[str, Any] | None, mchid: str) -> str | None:
    """Why a new order is malformed, or None."""
    if body is None:
        return "请求体不是 JSON 对象"
    amount = body.get("amount")
    total = amount.get("total") if isinstance(amount, dict) else None
    no = body.get("out_trade_no")
    if not (isinstance(no, str) and 6 <= len(no) <= 32 and no.isascii()):
        return "out_trade_no 应为 6-32 个字符"
    if type(total) is not int or total <= 0:
        return "amount.total 应为正整数（分）"
    if body.get("mchid") != mchid or not isinstance(body.get("appid"), str):
        return "appid 或 mchid 有误"
    if not isinstance(body.get("notify_url"), str):
        return "缺少 notify_url"
    return None


async def _apply(request: web.Request) -> web.Response:
    body = await _payload(request)
    problem = _order_fields(body, _mchid(request))
    if problem is not None or body is None or not isinstance(body.get("contract_id"), str):
        return error(400, "PARAM_ERROR", problem or "缺少 contract_id")
    orders, keys = request.app[ORDERS], request.app[KEYS]
    orders.fresh = None
    refused = orders.deduct(body, request.app[SIM].now())
    if refused:
        return error(400, "INVALID_REQUEST", refused)
    if orders.fresh:  # a repeated request does not settle (or notify) the order again
        deliveries = request.app[DELIVERIES]
        # After our answer, as WeChat Pay does: the merchant may still be waiting on it.
        deliveries.retry_later(deliveries.add(*orders.notify(orders.fresh, keys, _now(request))))
    return web.Response(status=204)


async def _jsapi(request: web.Request) -> web.Response:
    body = await _payload(request)
    problem = _order_fields(body, _mchid(request))
    payer = body.get("payer") if body else None
    if problem is not None or body is None or not isinstance(payer, dict):
        return error(400, "PARAM_ERROR", problem or "缺少 payer.openid")
    prepay_id, refused = request.app[ORDERS].prepay(body, request.app[SIM].now())
    if refused:
        return error(400, "INVALID_REQUEST", refused)
    return web.json_response({"prepay_id": prepay_id})


async def _query(request: web.Request) -> web.Response:
    if request.query.get("mchid") != _mchid(request):
        return error(400, "PARAM_ERROR", "mchid 有误")
    order = request.app[ORDERS].get(request.match_info["no"])
    if order is None:
        return error(404, "ORDER_NOT_EXIST", "订单不存在")
    return web.json_response(order.transaction())


def _mchid(request: web.Request) -> str:
    return request.app[ORDERS].mchid


async def _contract(request: web.Request) -> web.Response:
    body = await control_body(request)
    contract, balance = body.get("contract_id"), body.get("balance_fen")
    if not isinstance(contract, str) or not (balance is None or type(balance) is int):
        raise web.HTTPBadRequest(text="contract_id and balance_fen (int or null) are required")
    request.app[ORDERS].balances[contract] = balance
    return web.json_response({"contract_id": contract, "balance_fen": balance})


async def _pay(request: web.Request) -> web.Response:
    orders, no = request.app[ORDERS], request.match_info["no"]
    if not orders.pay(no, request.app[SIM].now()):
        raise web.HTTPNotFound(text="no unpaid JSAPI order with this out_trade_no")
    deliveries = request.app[DELIVERIES]
    message = deliveries.add(*orders.notify(no, request.app[KEYS], _now(request)))
    delivered = await deliveries.post(message)
    if not delivered:
        deliveries.retry_later(message)
    return web.json_response({"out_trade_no": no, "trade_state": "SUCCESS", "notified": delivered})


def _now(request: web.Request) -> float:
    return request.app[SIM].now()


async def _notifications(request: web.Request) -> web.Response:
    return web.json_response(request.app[DELIVERIES].sent)


async def _hold(request: web.Request) -> web.Response:
    hold = (await control_body(request)).get("hold")
    if not isinstance(hold, bool):
        raise web.HTTPBadRequest(text="hold must be true or false")
    deliveries = request.app[DELIVERIES]
    deliveries.hold = hold
    if not hold:
        deliveries.release()
    return web.json_response({"hold": hold})


async def _forged(request: web.Request) -> web.Response:
    """A callback for an order, encrypted properly but signed with a key of our own making."""
    body = await control_body(request)
    order = request.app[ORDERS].get(str(body.get("out_trade_no")))
    if order is None:
        raise web.HTTPNotFound(text="no such order")
    keys = request.app[KEYS]
    transaction = {**order.transaction(), "trade_state": "SUCCESS", "trade_state_desc": "支付成功"}
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return web.json_response(
        callback(transaction, keys.api_v3_key, forger, keys.platform_serial, request.app[SIM].now())
    )
