"""WeChat Pay v3 payloads: transactions as queried or notified, and error answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from integrations.base import PlatformError

TradeState = Literal[
    "SUCCESS", "REFUND", "NOTPAY", "CLOSED", "REVOKED", "USERPAYING", "PAYERROR", "ACCEPT"
]
FINAL_FAILURES = frozenset({"PAYERROR", "CLOSED", "REVOKED"})


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Amount(_Answer):
    total: int
    payer_total: int | None = None
    currency: str = "CNY"


class Payer(_Answer):
    openid: str | None = None


class Transaction(_Answer):
    """A payment as WeChat Pay reports it (query answer or decrypted callback resource)."""

    appid: str
    mchid: str
    out_trade_no: str
    transaction_id: str | None = None
    trade_type: str | None = None
    trade_state: TradeState
    trade_state_desc: str = ""
    success_time: datetime | None = None
    amount: Amount
    payer: Payer = Field(default_factory=Payer)

    @property
    def succeeded(self) -> bool:
        return self.trade_state == "SUCCESS"

    @property
    def failed(self) -> bool:
        return self.trade_state in FINAL_FAILURES


class Notification(_Answer):
    """A callback's envelope, before its resource is decrypted."""

    id: str
    create_time: str
    event_type: str
    resource_type: str
    resource: dict[str, str]
    summary: str = ""


class PaymentRequest(_Answer):
    """What the mini-program passes to ``wx.requestPayment`` (signed by the merchant key)."""

    app_id: str = Field(serialization_alias="appId")
    time_stamp: str = Field(serialization_alias="timeStamp")
    nonce_str: str = Field(serialization_alias="nonceStr")
    package: str
    sign_type: Literal["RSA"] = Field(default="RSA", serialization_alias="signType")
    pay_sign: str = Field(serialization_alias="paySign")


class WeChatPayError(PlatformError):
    """WeChat Pay refused a request: HTTP 4xx with ``{"code": "PARAM_ERROR", "message": ...}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__("wechatpay", status, f"{code}: {message}")
        self.status = status
        self.error_code = code


class CallbackRejected(ValueError):
    """A callback that is not WeChat Pay's: bad or stale signature, unknown key, no decryption."""
