"""Granting and releasing waivers at the desk: who is waived, who is refused, and why."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from models.credit.waivers import CreditWaiver
from models.identity.residents import Grant, Role
from tests.credit.support import (
    code,
    grant,
    headers,
    resident_of,
    set_debtor,
    set_rating,
    waived,
)
from tests.helpers import bearer, new_wechat_user, problem, sim


async def _mine(client: TestClient, resident: dict[str, str]) -> list[dict[str, object]]:
    resp = await client.get("/api/v1/credit/waivers", headers=resident)
    assert resp.status == 200
    return (await resp.json())["items"]  # type: ignore[no-any-return]


async def test_librarian_waives_a_book_deposit_and_releases_it(client: TestClient) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    resp = await grant(client, librarian, resident, amount=5000, reference="LOAN-0001")
    body = await resp.json()
    assert resp.status == 200, body
    assert body["decision"] == "waived"
    assert body["deposit_to_take"] == 0
    assert body["holder"] == "于*峰"
    assert body["reason"] is None
    mine = await _mine(client, resident)
    assert [(w["id"], w["status"], w["amount"]) for w in mine] == [
        (body["waiver_id"], "active", 5000)
    ]
    resp = await client.post(
        f"/api/v1/merchant/credit/waivers/{body['waiver_id']}/release", headers=librarian
    )
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"] == "closed"
    (after,) = await _mine(client, resident)
    assert after["status"] == "closed"
    assert [e["kind"] for e in after["events"]] == ["granted", "released"]
    resp = await client.post(
        f"/api/v1/merchant/credit/waivers/{body['waiver_id']}/release", headers=librarian
    )
    await problem(resp, 409, "waiver_not_active")


async def test_debtor_is_refused(client: TestClient) -> None:
    librarian, debtor = await headers(client, "librarian"), await headers(client, "debtor")
    resp = await grant(client, librarian, debtor, amount=5000)
    body = await resp.json()
    assert resp.status == 200, body
    assert body["decision"] == "not_waived"
    assert body["reason"] == "credit_requirement_not_met"
    assert body["deposit_to_take"] == 5000
    assert body["waiver_id"] is None
    assert not await CreditWaiver.exists()


async def test_a_low_rating_is_refused_where_the_scene_asks_more(client: TestClient) -> None:
    await set_rating(client, "resident", "C")
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    body = await (await grant(client, librarian, resident)).json()
    assert (body["decision"], body["reason"]) == ("not_waived", "credit_requirement_not_met")


async def test_the_debtor_list_is_asked_every_time_the_rating_is_cached(
    client: TestClient,
) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    await sim(client, "credit", "DELETE", "/_sim/calls")
    await waived(client, librarian, resident, amount=1000)
    await set_debtor(client, "resident", 1)  # a court lists them today
    body = await (await grant(client, librarian, resident, amount=1000)).json()
    assert body["reason"] == "credit_requirement_not_met"
    calls = await sim(client, "credit", "GET", "/_sim/calls")
    assert calls == {"credit.rating": 1, "credit.dishonest": 2}


async def test_a_code_works_once(client: TestClient) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    text = await code(client, resident)
    assert (await (await grant(client, librarian, text=text)).json())["decision"] == "waived"
    await problem(await grant(client, librarian, text=text), 400, "already_used")


async def test_a_code_that_is_not_one_is_refused(client: TestClient) -> None:
    librarian = await headers(client, "librarian")
    await problem(await grant(client, librarian, text="NOT A CODE AT ALL"), 400, "malformed")


async def test_scene_must_be_bound_to_the_merchant(client: TestClient) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    await problem(await grant(client, librarian, resident, scene="hotel"), 404, "scene_not_found")
    gatekeeper = await headers(client, "gatekeeper")
    resp = await grant(client, gatekeeper, resident, scene="library")
    await problem(resp, 404, "scene_not_found")


async def test_amount_within_the_scene_deposit(client: TestClient) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    resp = await grant(client, librarian, resident, amount=10_001)
    await problem(resp, 400, "amount_over_deposit")


async def test_a_reference_is_waived_once_per_merchant(client: TestClient) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    await waived(client, librarian, resident, reference="LOAN-7")
    resp = await grant(client, librarian, resident, reference="LOAN-7")
    await problem(resp, 409, "waiver_reference_exists")


async def test_the_scene_limit_counts_outstanding_waivers(client: TestClient) -> None:
    librarian, talent = await headers(client, "librarian"), await headers(client, "talent")
    ids = [await waived(client, librarian, talent, amount=10_000) for _ in range(3)]
    body = await (await grant(client, librarian, talent, amount=1)).json()
    assert (body["decision"], body["reason"]) == ("not_waived", "limit_reached")
    release = f"/api/v1/merchant/credit/waivers/{ids[0]}/release"
    assert (await client.post(release, headers=librarian)).status == 200
    await waived(client, librarian, talent, amount=10_000)


async def test_residents_and_other_merchants_cannot_touch_a_waiver(client: TestClient) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    waiver_id = await waived(client, librarian, resident)
    path = f"/api/v1/merchant/credit/waivers/{waiver_id}/release"
    await problem(await client.post(path, headers=resident), 403, "forbidden_role")
    cashier = await headers(client, "cashier")
    await problem(await client.post(path, headers=cashier), 404, "waiver_not_found")
    bad = "/api/v1/merchant/credit/waivers/not-a-uuid/release"
    await problem(await client.post(bad, headers=librarian), 404, "not_found")


async def test_a_code_needs_a_verified_real_name(client: TestClient) -> None:
    stranger = bearer(await new_wechat_user(client, "o-credit-stranger"))
    resp = await client.get("/api/v1/credit/code", headers=stranger)
    await problem(resp, 403, "real_name_required")


async def test_bad_grant_bodies_are_validation_errors(client: TestClient) -> None:
    librarian = await headers(client, "librarian")
    for body in (
        {"code": "x" * 20, "scene": "library", "amount": -5, "reference": "R"},
        {"code": "x" * 20, "scene": "library", "amount": "10", "reference": "R"},
        {"code": "x" * 20, "scene": "library", "amount": 10},
    ):
        resp = await client.post("/api/v1/merchant/credit/waivers", json=body, headers=librarian)
        await problem(resp, 422, "validation_failed")


async def test_staff_not_bound_to_a_merchant_are_refused(client: TestClient) -> None:
    staff = await resident_of(client, "librarian")
    await Grant.filter(resident=staff, role=Role.MERCHANT_STAFF).update(organisation_id=None)
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    scenes = await client.get("/api/v1/merchant/credit/scenes", headers=librarian)
    await problem(scenes, 403, "no_merchant")
    await problem(await grant(client, librarian, resident), 403, "no_merchant")
    assert not await CreditWaiver.exists()
