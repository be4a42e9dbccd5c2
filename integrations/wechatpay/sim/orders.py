"""The simulated merchant account: orders by out_trade_no, contract balances, callbacks."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations.wechatpay import crypto
from integrations.wechatpay.keys import SimulatorKeys


@dataclass
class Order:
    appid: str
    mchid: str
    out_trade_no: str
    trade_type: str  # PAP (deduction) or JSAPI
    total: int
    request: dict[str, Any]
    trade_state: str = "NOTPAY"
    trade_state_desc: str = "未支付"
    transaction_id: str | None = None
    success_time: float | None = None
    openid: str | None = None

    def transaction(self) -> dict[str, Any]:
        """The order as the query API and callbacks describe it."""
        answer: dict[str, Any] = {
            "appid": self.appid, "mchid": self.mchid, "out_trade_no": self.out_trade_no,
            "trade_type": self.trade_type, "trade_state": self.trade_state,
            "trade_state_desc": self.trade_state_desc,
            "amount": {"total": self.total, "payer_total": self.total, "currency": "CNY"},
            "payer": {"openid": self.openid} if self.openid else {},
        }  # fmt: skip
        if self.transaction_id:
            answer["transaction_id"] = self.transaction_id
        if self.success_time is not None:
            when = datetime.fromtimestamp(self.success_time, UTC)
            answer["success_time"] = when.isoformat(timespec="seconds")
        return answer

    def settle(self, ok: bool, now: float) -> None:
        self.trade_state = "SUCCESS" if ok else "PAYERROR"
        self.trade_state_desc = "支付成功" if ok else "余额不足"
        if ok:
            self.transaction_id = "4200" + secrets.token_hex(12)
            self.success_time = now


@dataclass
class Orders:
    mchid: str
    orders: dict[str, Order] = field(default_factory=dict)
    balances: dict[str, int | None] = field(default_factory=dict)  # contract id -> fen
    fresh: str | None = None  # the order the last request settled, if it settled one

    def get(self, out_trade_no: str) -> Order | None:
        return self.orders.get(out_trade_no)

    def _new(self, body: dict[str, Any], trade_type: str) -> tuple[Order | None, str | None]:
        """The order for this request: a repeat of the same request finds the first one."""
        existing = self.orders.get(body["out_trade_no"])
        if existing is not None:
            if existing.request != body:
                return None, "商户订单号重复"
            return existing, None
        order = Order(body["appid"], self.mchid, body["out_trade_no"], trade_type,
                      body["amount"]["total"], body)  # fmt: skip
        self.orders[order.out_trade_no] = order
        return order, None

    def deduct(self, body: dict[str, Any], now: float) -> str | None:
        """Charge a contract now (once per order); why the request is refused, if it is."""
        order, refused = self._new(body, "PAP")
        if order is None or order.trade_state != "NOTPAY":
            return refused
        self.fresh = order.out_trade_no
        balance = self.balances.get(body["contract_id"])
        paid = balance is None or balance >= order.total
        if paid and balance is not None:
            self.balances[body["contract_id"]] = balance - order.total
        order.settle(paid, now)
        return None

    def prepay(self, body: dict[str, Any], now: float) -> tuple[str, str | None]:
        order, refused = self._new(body, "JSAPI")
        if order is None:
            return "", refused
        order.openid = str(body["payer"].get("openid"))
        return "wx" + order.out_trade_no.encode().hex()[:30], None

    def pay(self, out_trade_no: str, now: float) -> bool:
        order = self.orders.get(out_trade_no)
        if order is None or order.trade_type != "JSAPI" or order.trade_state != "NOTPAY":
            return False
        order.settle(True, now)
        return True

    def notify(self, out_trade_no: str, keys: SimulatorKeys, now: float) -> tuple[str, Any]:
        """The signed callback for an order that reached a final state, and where it goes."""
        order = self.orders[out_trade_no]
        message = callback(order.transaction(), keys.api_v3_key, keys.platform_private_key,
                           keys.platform_serial, now)  # fmt: skip
        return str(order.request["notify_url"]), message


ORDERS = web.AppKey("wechatpay_orders", Orders)


def callback(
    transaction: dict[str, Any], api_v3_key: str, key: rsa.RSAPrivateKey, serial: str, now: float
) -> dict[str, Any]:
    """A signed callback as WeChat Pay posts it: ``{"headers": {...}, "body": "<json>"}``."""
    success = transaction["trade_state"] == "SUCCESS"
    envelope = {
        "id": str(uuid.uuid4()),
        "create_time": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS" if success else "TRANSACTION.FAIL",
        "summary": "支付成功" if success else "支付失败",
        "resource": crypto.encrypt_resource(
            api_v3_key, json.dumps(transaction, ensure_ascii=False).encode(), "transaction"
        ),
    }
    body = json.dumps(envelope, ensure_ascii=False)
    stamp, nonce = str(int(now)), crypto.new_nonce()
    signature = crypto.sign(key, crypto.answer_message(stamp, nonce, body.encode()))
    headers = {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
               "Wechatpay-Serial": serial, "Wechatpay-Signature": signature,
               "Content-Type": "application/json"}  # fmt: skip
    return {"headers": headers, "body": body}
