"""The credit office sets scene policies and binds merchants to scenes."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.credit.support import grant, headers, policy, waived
from tests.helpers import problem

BOAT = {
    "kind": "rental",
    "name_zh": "游船租赁",
    "name_en": "Boat rental",
    "deposit": 20_000,
    "min_rating": "A",
    "resident_limit": 20_000,
    "max_days": 1,
}


async def _scenes(client: TestClient, officer: Any) -> dict[str, dict[str, Any]]:
    resp = await client.get("/api/v1/admin/credit/scenes", headers=officer)
    assert resp.status == 200, await resp.text()
    return {s["code"]: s for s in (await resp.json())["items"]}


async def test_demo_scenes_are_bound_to_their_merchants(client: TestClient) -> None:
    scenes = await _scenes(client, await headers(client, "officer"))
    assert set(scenes) == {
        "library",
        "talent-apartment",
        "hotel",
        "rental",
        "renovation",
        "hospital-admission",
    }
    assert scenes["library"]["merchants"] == ["weihai-library"]
    assert scenes["hospital-admission"]["merchants"] == ["weihai-municipal-hospital"]
    assert scenes["hotel"]["merchants"] == ["weihai-seaview-hotel"]
    assert scenes["talent-apartment"]["merchants"] == ["weihai-talent-apartment"]
    assert scenes["library"]["dispute_window_days"] == 7
    assert scenes["hospital-admission"]["bill_free_days"] == 10


async def test_a_new_scene_bound_to_a_merchant_can_waive(client: TestClient) -> None:
    officer, gatekeeper = await headers(client, "officer"), await headers(client, "gatekeeper")
    resp = await client.put("/api/v1/admin/credit/scenes/boat", json=BOAT, headers=officer)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["dispute_window_days"] == 7
    bind = "/api/v1/admin/credit/scenes/boat/merchants/liugong-island"
    assert (await client.put(bind, headers=officer)).status == 204
    assert (await client.put(bind, headers=officer)).status == 204  # idempotent
    resident = await headers(client, "resident")
    await waived(client, gatekeeper, resident, scene="boat", amount=20_000)
    assert (await client.delete(bind, headers=officer)).status == 204
    await problem(await grant(client, gatekeeper, resident, scene="boat"), 404, "scene_not_found")


async def test_policy_changes_apply_to_new_grants(client: TestClient) -> None:
    await policy(client, "library", min_rating="A+")
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    body = await (await grant(client, librarian, resident)).json()
    assert body["reason"] == "credit_requirement_not_met"
    await policy(client, "library", active=False)
    await problem(await grant(client, librarian, resident), 404, "scene_not_found")


async def test_debtor_list_may_be_ignored_by_policy(client: TestClient) -> None:
    await policy(client, "library", debtor_blocks=False, min_rating="D")
    librarian, debtor = await headers(client, "librarian"), await headers(client, "debtor")
    body = await (await grant(client, librarian, debtor, amount=100)).json()
    # The list no longer blocks, but a D rating has no city-wide waiver limit at all.
    assert (body["decision"], body["reason"]) == ("not_waived", "limit_reached")


async def test_only_credit_operators_manage_scenes(client: TestClient) -> None:
    for persona in ("resident", "librarian"):
        resp = await client.get(
            "/api/v1/admin/credit/scenes", headers=await headers(client, persona)
        )
        await problem(resp, 403, "forbidden_role")


async def test_bad_policies_and_names_are_refused(client: TestClient) -> None:
    officer = await headers(client, "officer")
    resp = await client.put(
        "/api/v1/admin/credit/scenes/boat", json={**BOAT, "min_rating": "AAA"}, headers=officer
    )
    await problem(resp, 422, "validation_failed")
    resp = await client.put("/api/v1/admin/credit/scenes/Boat!", json=BOAT, headers=officer)
    await problem(resp, 404, "not_found")
    missing = "/api/v1/admin/credit/scenes/library/merchants/no-such-org"
    await problem(await client.put(missing, headers=officer), 404, "organisation_not_found")
    unknown = "/api/v1/admin/credit/scenes/no-such-scene/merchants/weihai-library"
    await problem(await client.put(unknown, headers=officer), 404, "scene_not_found")
