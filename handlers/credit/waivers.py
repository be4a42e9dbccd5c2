"""A resident's waivers, or a family member's: the list, one waiver, disputing, paying.

``member`` as in ``handlers.credit.resident``: the waivers are the holder's; the caller acts
and pays.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from pydantic import Field

from handlers.credit.resident import CreditMemberQuery, WaiverOut, waiver_out
from palm import keys
from palm.api import Api, ApiModel, path_uuid
from palm.lists import PageQuery
from services.credit import disputes, payments, queries

api = Api("credit")


class WaiverList(ApiModel):
    items: list[WaiverOut]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page")


class WaiverPageQuery(PageQuery, CreditMemberQuery):
    """A page of the member's waivers, newest first."""


class DisputeIn(ApiModel):
    reason: str = Field(min_length=1, max_length=500, description="Why the default is wrong")


class PaymentOut(ApiModel):
    out_trade_no: str
    amount: int = Field(description="fen")
    purpose: str = Field(description="default | bill")
    parameters: dict[str, str] = Field(description="Pass to wx.requestPayment")


@api.get("/api/v1/credit/waivers", query=WaiverPageQuery, response=WaiverList,
         errors=(400, 403, 404))  # fmt: skip
async def my_waivers(request: web.Request, query: WaiverPageQuery) -> WaiverList:
    """The member's waivers, newest first, each with its full history."""
    now = datetime.now(UTC)
    views, cursor = await queries.page_of_member(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, query.member,
        cursor=query.cursor, limit=query.limit, now=now,
    )  # fmt: skip
    return WaiverList(items=[waiver_out(v, now) for v in views], next_cursor=cursor)


@api.get("/api/v1/credit/waivers/{id}", query=CreditMemberQuery, response=WaiverOut,
         errors=(403, 404))  # fmt: skip
async def get_waiver(request: web.Request, query: CreditMemberQuery) -> WaiverOut:
    """One of the member's waivers with its default, bill and history."""
    now = datetime.now(UTC)
    view = await queries.one_of_member(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, query.member,
        path_uuid(request), now=now,
    )  # fmt: skip
    return waiver_out(view, now)


@api.post(
    "/api/v1/credit/waivers/{id}/dispute",
    query=CreditMemberQuery,
    body=DisputeIn,
    response=WaiverOut,
    status=201,
    errors=(403, 404, 409),
)
async def dispute_default(
    request: web.Request, query: CreditMemberQuery, body: DisputeIn
) -> WaiverOut:
    """Dispute a merchant's default; the credit office decides, nothing is reported meanwhile."""
    now = datetime.now(UTC)
    view = await disputes.dispute(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, query.member,
        path_uuid(request), body.reason.strip(), now=now,
    )  # fmt: skip
    return waiver_out(view, now)


@api.post("/api/v1/credit/waivers/{id}/pay", query=CreditMemberQuery, response=PaymentOut,
          errors=(403, 404, 409, 503))  # fmt: skip
async def pay_waiver(request: web.Request, query: CreditMemberQuery) -> PaymentOut:
    """Pay what is owed on a waiver (a default or a care bill) with WeChat Pay (JSAPI).

    The caller pays from their own WeChat, also for a family member's waiver.
    """
    order = await payments.start(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, query.member,
        path_uuid(request), now=datetime.now(UTC),
    )  # fmt: skip
    return PaymentOut(
        out_trade_no=order.out_trade_no, amount=order.amount_fen, purpose=order.purpose.value,
        parameters=order.request.model_dump(by_alias=True),
    )  # fmt: skip
