"""WeChat Pay v3 client over the shared session: signed requests, verified answers and callbacks.

wechatpy's pay client is synchronous; this one is async and checks the platform's signature on
every answer, so a forged or altered answer is never taken for a payment result.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from yarl import URL

from integrations.base import NULL_OBSERVER, OutboundObserver, Platform, PlatformUnavailable
from integrations.client import PlatformClient, json_body, parse_model
from integrations.wechatpay import crypto
from integrations.wechatpay.keys import WeChatPayKeys, development_keys
from integrations.wechatpay.models import (
    CallbackRejected,
    Notification,
    PaymentRequest,
    Transaction,
    WeChatPayError,
)

_JSON = {"Content-Type": "application/json", "Accept": "application/json"}


class WeChatPayClient(PlatformClient):
    """Deduction after the ride (委托代扣), JSAPI top-ups, order queries, callback checks."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        platform: Platform,
        observer: OutboundObserver = NULL_OBSERVER,
        keys: WeChatPayKeys | None = None,
    ) -> None:
        super().__init__(session, platform, observer)
        self.keys = keys or development_keys(platform)
        private = serialization.load_pem_private_key(self.keys.merchant_private_key.encode(), None)
        public = serialization.load_pem_public_key(self.keys.platform_public_key.encode())
        if not isinstance(private, rsa.RSAPrivateKey) or not isinstance(public, rsa.RSAPublicKey):
            raise ValueError("WeChat Pay keys must be RSA")
        self._private, self._platform_key = private, public

    @property
    def mchid(self) -> str:
        return self.platform.app_id

    async def apply_deduction(
        self, *, appid: str, out_trade_no: str, contract_id: str, amount_fen: int,
        description: str, notify_url: str,
    ) -> None:  # fmt: skip
        """委托代扣 申请扣款 (POST /v3/papay/pay/transactions/apply); the result comes later."""
        payload = {
            "appid": appid, "mchid": self.mchid, "description": description,
            "out_trade_no": out_trade_no, "notify_url": notify_url, "contract_id": contract_id,
            "amount": {"total": amount_fen, "currency": "CNY"},
        }  # fmt: skip
        with self.observed("papay.apply"):
            await self._exchange("POST", "/v3/papay/pay/transactions/apply", payload)

    async def jsapi_prepay(
        self, *, appid: str, out_trade_no: str, openid: str, amount_fen: int,
        description: str, notify_url: str,
    ) -> PaymentRequest:  # fmt: skip
        """JSAPI 下单 (POST /v3/pay/transactions/jsapi) and the signed ``wx.requestPayment``."""
        payload = {
            "appid": appid, "mchid": self.mchid, "description": description,
            "out_trade_no": out_trade_no, "notify_url": notify_url,
            "amount": {"total": amount_fen, "currency": "CNY"}, "payer": {"openid": openid},
        }  # fmt: skip
        with self.observed("pay.jsapi"):
            answer = await self._exchange("POST", "/v3/pay/transactions/jsapi", payload)
        prepay_id = answer.get("prepay_id") if isinstance(answer, dict) else None
        if not isinstance(prepay_id, str):
            raise PlatformUnavailable("wechatpay", "answer has no prepay_id")
        timestamp, nonce, package = (
            str(int(time.time())),
            crypto.new_nonce(),
            f"prepay_id={prepay_id}",
        )
        signature = crypto.sign(
            self._private, f"{appid}\n{timestamp}\n{nonce}\n{package}\n".encode()
        )
        return PaymentRequest(app_id=appid, time_stamp=timestamp, nonce_str=nonce,
                              package=package, pay_sign=signature)  # fmt: skip

    async def query(self, out_trade_no: str) -> Transaction:
        """查询订单 (GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=...)."""
        path = str(
            URL.build(
                path=f"/v3/pay/transactions/out-trade-no/{out_trade_no}",
                query={"mchid": self.mchid},
            )
        )
        with self.observed("pay.query"):
            answer = await self._exchange("GET", path, None)
            return parse_model("wechatpay", Transaction, answer)

    def parse_callback(
        self, headers: Mapping[str, str], body: bytes, *, now: float | None = None
    ) -> tuple[Notification, Transaction]:
        """Check a payment callback's signature and age, decrypt it; raises CallbackRejected."""
        self._check_signed(headers, body, now=now, error=CallbackRejected)
        try:
            notification = Notification.model_validate_json(body)
            plaintext = crypto.decrypt_resource(self.keys.api_v3_key, notification.resource)
            return notification, Transaction.model_validate_json(plaintext)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise CallbackRejected(
                f"callback body is not a transaction: {type(exc).__name__}"
            ) from None

    async def _exchange(self, method: str, path_qs: str, payload: dict[str, Any] | None) -> Any:
        body = b"" if payload is None else json_body(payload)
        timestamp, nonce = str(int(time.time())), crypto.new_nonce()
        signature = crypto.sign(
            self._private, crypto.request_message(method, path_qs, timestamp, nonce, body)
        )
        headers = {**_JSON, "Authorization": crypto.authorization(
            self.mchid, self.keys.merchant_serial, timestamp, nonce, signature)}  # fmt: skip
        timeout = aiohttp.ClientTimeout(total=self.platform.timeout)
        try:
            async with self.session.request(
                method, URL(self.platform.base_url + path_qs, encoded=True), data=body or None,
                headers=headers, timeout=timeout, allow_redirects=False,
            ) as response:  # fmt: skip
                status, raw, answer_headers = (
                    response.status,
                    await response.read(),
                    response.headers,
                )
        except TimeoutError:
            raise PlatformUnavailable(
                "wechatpay", f"no answer within {self.platform.timeout:g} s"
            ) from None
        except aiohttp.ClientError as exc:
            raise PlatformUnavailable(
                "wechatpay", f"transport error {type(exc).__name__}"
            ) from None
        if status >= 500 or status in (401, 429):
            raise PlatformUnavailable("wechatpay", f"HTTP {status}")
        if status >= 400:
            error = _json(raw) or {}
            raise WeChatPayError(
                status, str(error.get("code", "UNKNOWN")), str(error.get("message", ""))
            )
        self._check_signed(answer_headers, raw, now=None, error=PlatformUnavailable)
        return _json(raw) if raw else None

    def _check_signed(
        self, headers: Mapping[str, str], body: bytes, *, now: float | None,
        error: type[Exception],
    ) -> None:  # fmt: skip
        timestamp = headers.get("Wechatpay-Timestamp", "")
        nonce, serial = headers.get("Wechatpay-Nonce", ""), headers.get("Wechatpay-Serial", "")
        signature = headers.get("Wechatpay-Signature", "")

        def refuse(reason: str) -> Exception:
            return error("wechatpay", reason) if error is PlatformUnavailable else error(reason)

        if not (timestamp.isdigit() and nonce and signature):
            raise refuse("answer is not signed")
        if serial != self.keys.platform_serial:
            raise refuse("signed with an unknown platform key")
        if abs((time.time() if now is None else now) - int(timestamp)) > crypto.MAX_AGE_SECONDS:
            raise refuse("signature timestamp is stale")
        if not crypto.verify(
            self._platform_key, crypto.answer_message(timestamp, nonce, body), signature
        ):
            raise refuse("platform signature does not verify")


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None
