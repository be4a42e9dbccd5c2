"""信用就医: admission without a deposit, a bill settled at discharge, paid within ten days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from palm import keys
from services.credit import desk
from tests.credit.support import days_pass, headers, messages_to, waived
from tests.helpers import problem, run_jobs


async def _admitted(client: TestClient) -> tuple[str, Any, Any]:
    cashier, elder = await headers(client, "cashier"), await headers(client, "elder")
    waiver_id = await waived(client, cashier, elder, scene="hospital-admission", amount=100_000)
    return waiver_id, cashier, elder


async def _bill(client: TestClient, cashier: Any, waiver_id: str, amount: int) -> Any:
    return await client.post(
        f"/api/v1/merchant/credit/waivers/{waiver_id}/bill",
        json={"amount": amount},
        headers=cashier,
    )


async def test_admission_opens_a_bill_paid_after_discharge(client: TestClient) -> None:
    waiver_id, cashier, elder = await _admitted(client)
    resp = await _bill(client, cashier, waiver_id, 86_550)
    assert resp.status == 200, await resp.text()
    bill = (await resp.json())["bill"]
    assert (bill["status"], bill["amount"]) == ("due", 86_550)
    due = datetime.fromisoformat(bill["due_at"])
    assert timedelta(days=9, hours=23) < due - datetime.now(UTC) <= timedelta(days=10)
    await run_jobs(client)
    (notice,) = await messages_to(client, "elder")
    assert notice["template_id"] == "tmpl-payment-due"
    assert notice["data"]["amount2"] == "¥865.50"
    release = f"/api/v1/merchant/credit/waivers/{waiver_id}/release"
    await problem(await client.post(release, headers=cashier), 409, "bill_unpaid")
    await problem(await _bill(client, cashier, waiver_id, 1), 409, "no_open_bill")
    resp = await client.post(f"/api/v1/merchant/credit/waivers/{waiver_id}/paid", headers=cashier)
    assert (await resp.json())["status"] == "closed"
    items = (await (await client.get("/api/v1/credit/waivers", headers=elder)).json())["items"]
    (mine,) = items
    assert mine["bill"]["status"] == "paid"
    assert [e["kind"] for e in mine["events"]] == [
        "granted",
        "bill_opened",
        "bill_settled",
        "bill_paid",
    ]


async def test_an_unpaid_bill_becomes_overdue_and_can_be_defaulted(client: TestClient) -> None:
    waiver_id, cashier, _ = await _admitted(client)
    await _bill(client, cashier, waiver_id, 120_000)  # more than the deposit waived
    hospital, deps = "weihai-municipal-hospital", client.app[keys.DEPS]
    later = datetime.now(UTC) + timedelta(days=11)  # past the ten interest-free days
    overdue = desk.DeskFilter("overdue")
    found, _ = await desk.page(deps, hospital, overdue, now=later, cursor=None, limit=9)
    assert [str(v.waiver.id) for v in found] == [waiver_id]
    found, _ = await desk.page(deps, hospital, overdue, now=datetime.now(UTC), cursor=None, limit=9)
    assert not found
    resp = await client.post(
        f"/api/v1/merchant/credit/waivers/{waiver_id}/default",
        json={"amount": 120_000, "evidence": "逾期未缴住院费用"},
        headers=cashier,
    )
    assert resp.status == 200, await resp.text()
    assert await days_pass(8) == 1
