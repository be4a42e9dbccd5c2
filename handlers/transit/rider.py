"""The bus ride code: account, codes (online and offline), paying, trips, special-group cards."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime

from aiohttp import web
from pydantic import Field

from codes.signing import Algorithm
from models.transit.accounts import PaymentMethod
from models.transit.cards import CardKind
from palm import keys
from palm.api import Api, ApiModel
from services.errors import FieldError, ValidationFailed
from services.transit import accounts, cards, codes, payments

api = Api("transit")
Member = Field(default="self", max_length=40, description='"self" or a delegation id')


class MemberQuery(ApiModel):
    member: str = Member


class AccountIn(ApiModel):
    member: str = Member
    payment_method: PaymentMethod
    accept_terms: bool


class CardOut(ApiModel):
    id: str
    kind: CardKind
    state: str
    fare_class: str
    valid_until: date
    next_check_at: datetime


class AccountOut(ApiModel):
    id: str = Field(description="The subject in ride codes and in the validators' keyring")
    status: str
    payment_method: PaymentMethod
    balance_fen: int
    arrears_fen: int
    may_ride: bool
    special_card: CardOut | None


def card_out(card: accounts.CardView) -> CardOut:
    return CardOut(id=str(card.id), kind=card.kind, state=str(card.state),
                   fare_class=card.fare_class, valid_until=card.valid_until,
                   next_check_at=card.next_check_at)  # fmt: skip


def account_out(view: accounts.RiderAccount) -> AccountOut:
    account, card = view.account, view.card
    return AccountOut(
        id=str(account.id), status=str(account.status), payment_method=account.payment_method,
        balance_fen=account.balance_fen, arrears_fen=account.arrears_fen,
        may_ride=account.arrears_fen == 0, special_card=card_out(card) if card else None,
    )  # fmt: skip


@api.post("/api/v1/transit/account", body=AccountIn, response=AccountOut, status=201,
          errors=(403, 404, 409))  # fmt: skip
async def open_account(request: web.Request, body: AccountIn) -> AccountOut:
    """Open a ride account (accept the terms, choose deduction after the ride or prepaid)."""
    view = await accounts.open_account(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, body.member,
        method=body.payment_method, accept_terms=body.accept_terms, now=datetime.now(UTC),
    )  # fmt: skip
    return account_out(view)


@api.get("/api/v1/transit/account", query=MemberQuery, response=AccountOut, errors=(404,))
async def get_account(request: web.Request, query: MemberQuery) -> AccountOut:
    """Status, balance, arrears and special-group card."""
    view = await accounts.show(request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id,
                               query.member, now=datetime.now(UTC))  # fmt: skip
    return account_out(view)


class CodeOut(ApiModel):
    code: str = Field(description="QR text (base45); show as a QR code")
    expires_at: int
    refresh_at: int
    fare_class: str = Field(description="full, half, free or student")


@api.get("/api/v1/transit/code", query=MemberQuery, response=CodeOut, errors=(403, 404))
async def ride_code(request: web.Request, query: MemberQuery) -> CodeOut:
    """An online ride code, valid about 60 s (refresh at ``refresh_at``)."""
    issued = await codes.issue_ride_code(request.app[keys.DEPS],
                                         request[keys.PRINCIPAL].resident_id, query.member,
                                         now=datetime.now(UTC))  # fmt: skip
    return CodeOut(code=issued.text, expires_at=issued.expires_at, refresh_at=issued.refresh_at,
                   fare_class=issued.fare_class)  # fmt: skip


class DeviceKeyIn(ApiModel):
    member: str = Member
    algorithm: str = Field(pattern="^(p256|ed25519)$")
    public_key: str = Field(max_length=100, description="base64url: compressed P-256 or Ed25519")


class CertificateOut(ApiModel):
    certificate: str = Field(description="base64url; the phone prepends it to every code")
    expires_at: int
    spend_limit_fen: int
    fare_class: str


@api.post("/api/v1/transit/device-keys", body=DeviceKeyIn, response=CertificateOut, status=201,
          errors=(403, 404))  # fmt: skip
async def certify_device(request: web.Request, body: DeviceKeyIn) -> CertificateOut:
    """Offline mode: certify the phone's public key (expiry and spending limit)."""
    try:
        key = base64.urlsafe_b64decode(body.public_key + "=" * (-len(body.public_key) % 4))
    except (binascii.Error, ValueError):
        raise ValidationFailed([FieldError("body/public_key", "not base64url")]) from None
    cert = await codes.certify_device(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, body.member, key,
        Algorithm.from_label(body.algorithm), now=datetime.now(UTC),
    )  # fmt: skip
    text = base64.urlsafe_b64encode(cert.certificate).decode().rstrip("=")
    return CertificateOut(
        certificate=text, expires_at=cert.expires_at, spend_limit_fen=cert.spend_limit_fen,
        fare_class=cert.fare_class,
    )  # fmt: skip


@api.post("/api/v1/transit/account/repay", query=MemberQuery, response=AccountOut,
          errors=(404, 409))  # fmt: skip
async def repay(request: web.Request, query: MemberQuery) -> AccountOut:
    """Pay the arrears now by WeChat Pay deduction; the code works again at once."""
    view = await payments.repay(request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id,
                                query.member, now=datetime.now(UTC))  # fmt: skip
    return account_out(view)


class TopUpIn(ApiModel):
    member: str = Member
    amount_fen: int = Field(ge=100, le=payments.MAX_TOP_UP_FEN)


class TopUpOut(ApiModel):
    out_trade_no: str
    payment: dict[str, str] = Field(description="Pass to wx.requestPayment as is")


@api.post("/api/v1/transit/account/top-up", body=TopUpIn, response=TopUpOut, status=201,
          errors=(404, 409))  # fmt: skip
async def top_up(request: web.Request, body: TopUpIn) -> TopUpOut:
    """Top a prepaid balance up (arrears are paid first) through WeChat Pay."""
    payment, pay = await payments.top_up(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, body.member,
        body.amount_fen, now=datetime.now(UTC),
    )  # fmt: skip
    return TopUpOut(out_trade_no=payment.out_trade_no, payment=pay.model_dump(by_alias=True))


class CardIn(ApiModel):
    member: str = Member
    kind: CardKind


@api.post("/api/v1/transit/special-card", body=CardIn, response=CardOut, status=201,
          errors=(403, 404, 503))  # fmt: skip
async def special_card(request: web.Request, body: CardIn) -> CardOut:
    """Apply for a special-group card: checked against the records at once, no uploads."""
    card = await cards.apply(request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id,
                             body.member, body.kind, now=datetime.now(UTC))  # fmt: skip
    return card_out(card)
