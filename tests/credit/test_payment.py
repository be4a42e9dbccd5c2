"""Paying a default with WeChat Pay: a JSAPI order, then the payment confirmed once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from models.credit.waivers import CreditDefault, CreditPayment
from services.credit import payments
from tests.credit.support import days_pass, feedback, headers, waived
from tests.helpers import problem, run_jobs, sim


async def _reported_default(client: TestClient) -> tuple[str, Any]:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    waiver_id = await waived(client, librarian, resident, amount=5000)
    resp = await client.post(
        f"/api/v1/merchant/credit/waivers/{waiver_id}/default",
        json={"amount": 3000, "evidence": "图书损坏"},
        headers=librarian,
    )
    assert resp.status == 200
    await days_pass(8)
    await run_jobs(client)
    return waiver_id, resident


async def _order(client: TestClient, waiver_id: str, resident: Any) -> dict[str, Any]:
    resp = await client.post(f"/api/v1/credit/waivers/{waiver_id}/pay", headers=resident)
    assert resp.status == 200, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]


async def test_paying_opens_a_wechat_pay_order(client: TestClient) -> None:
    waiver_id, resident = await _reported_default(client)
    order = await _order(client, waiver_id, resident)
    assert (order["amount"], order["purpose"]) == (3000, "default")
    assert order["out_trade_no"].startswith(payments.TRADE_PREFIX)
    assert order["parameters"]["signType"] == "RSA"
    assert order["parameters"]["package"].startswith("prepay_id=")


async def test_a_confirmed_payment_resolves_and_repairs_once(client: TestClient) -> None:
    waiver_id, resident = await _reported_default(client)
    order = await _order(client, waiver_id, resident)
    now = datetime.now(UTC)
    no = order["out_trade_no"]
    # What the payment notification handler calls once WeChat Pay's callback is verified.
    assert not await payments.confirm(no, amount_fen=1, transaction_id="T-x", now=now)
    for _ in range(2):
        assert await payments.confirm(no, amount_fen=3000, transaction_id="T-1", now=now)
    assert (await CreditPayment.get(out_trade_no=no)).transaction_id == "T-1"
    assert (await CreditDefault.get()).resolution == "paid"
    await run_jobs(client)
    records = {r["type"]: r for r in (await feedback(client))["records"]}
    assert records["default"]["repaired"] is True
    await problem(
        await client.post(f"/api/v1/credit/waivers/{waiver_id}/pay", headers=resident),
        409,
        "nothing_owed",
    )


async def test_the_wechat_pay_callback_resolves_the_default(client: TestClient) -> None:
    waiver_id, resident = await _reported_default(client)
    no = (await _order(client, waiver_id, resident))["out_trade_no"]
    await sim(client, "wechatpay", "POST", f"/_sim/transactions/{no}/pay")
    (callback,) = await sim(client, "wechatpay", "GET", "/_sim/notifications")
    resp = await client.post(
        "/api/v1/payments/wechatpay/notify",
        data=str(callback["body"]).encode(),
        headers=callback["headers"],
    )
    assert resp.status == 204
    assert (await CreditDefault.get()).resolution == "paid"
