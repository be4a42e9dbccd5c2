"""The merchant's desk: active waivers, views by state, and the month's totals."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.credit.support import grant, headers, waived
from tests.helpers import problem


async def test_active_list_and_monthly_totals(client: TestClient) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    talent = await headers(client, "talent")
    first = await waived(client, librarian, resident, amount=3000, reference="L-1")
    await waived(client, librarian, talent, amount=2000, reference="L-2")
    await grant(client, librarian, await headers(client, "debtor"))  # refused: not counted
    await client.post(f"/api/v1/merchant/credit/waivers/{first}/release", headers=librarian)
    base = "/api/v1/merchant/credit"
    active = (await (await client.get(f"{base}/waivers", headers=librarian)).json())["items"]
    assert [(w["reference"], w["holder"], w["overdue"]) for w in active] == [
        ("L-2", "林*言", False)
    ]
    every = await (await client.get(f"{base}/waivers?view=all", headers=librarian)).json()
    assert {w["reference"]: w["status"] for w in every["items"]} == {
        "L-1": "closed",
        "L-2": "active",
    }
    overdue = await (await client.get(f"{base}/waivers?view=overdue", headers=librarian)).json()
    assert overdue["items"] == []
    summary = await (await client.get(f"{base}/summary", headers=librarian)).json()
    assert summary["totals"]["granted"] == {"count": 2, "amount": 5000}
    assert summary["totals"]["released"]["count"] == 1
    cashier = await headers(client, "cashier")
    other = await (await client.get(f"{base}/summary", headers=cashier)).json()
    assert other["totals"] == {}
    old = await client.get(f"{base}/summary?month=2025-01", headers=librarian)
    assert (await old.json())["totals"] == {}


async def test_bad_queries_are_validation_errors(client: TestClient) -> None:
    librarian = await headers(client, "librarian")
    for path in (
        "/api/v1/merchant/credit/summary?month=2025-13",
        "/api/v1/merchant/credit/waivers?view=everything",
        "/api/v1/merchant/credit/waivers?limit=0",
    ):
        await problem(await client.get(path, headers=librarian), 422, "validation_failed")


async def test_merchant_scenes_lists_only_its_own(client: TestClient) -> None:
    resp = await client.get(
        "/api/v1/merchant/credit/scenes", headers=await headers(client, "cashier")
    )
    scenes = (await resp.json())["items"]
    assert [(s["code"], s["deposit"]) for s in scenes] == [("hospital-admission", 100_000)]
