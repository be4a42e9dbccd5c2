"""Acting for family on the ride code: only within the delegation's scope and lifetime.

A member outside scope, expired or ended is "not found" on every transit endpoint, at once:
the ride-code cache does not outlive the delegation.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient

from models.identity.delegations import Delegation
from tests.helpers import bearer, login, problem
from tests.transit.support import open_account, ride_code

MONTH = datetime.now(UTC).strftime("%Y-%m")


async def _mother(client: TestClient) -> tuple[dict[str, str], str]:
    headers = bearer(await login(client, "parent"))
    family = await (await client.get("/api/v1/delegations", headers=headers)).json()
    return headers, next(d["id"] for d in family["acting_for"] if d["relation"] == "parent")


async def _all_refused(client: TestClient, headers: dict[str, str], member: str) -> None:
    q = f"?member={member}"
    for method, path, body in (
        ("GET", f"/api/v1/transit/account{q}", None),
        ("GET", f"/api/v1/transit/code{q}", None),
        ("GET", f"/api/v1/transit/trips{q}", None),
        ("GET", f"/api/v1/transit/statements/{MONTH}{q}", None),
        ("POST", f"/api/v1/transit/account/repay{q}", None),
        ("POST", "/api/v1/transit/account/top-up", {"member": member, "amount_fen": 1000}),
        ("POST", "/api/v1/transit/special-card", {"member": member, "kind": "senior"}),
        ("POST", "/api/v1/transit/device-keys",
         {"member": member, "algorithm": "ed25519", "public_key": "A" * 43}),
        ("POST", "/api/v1/transit/account",
         {"member": member, "payment_method": "deduction", "accept_terms": True}),
    ):  # fmt: skip
        resp = await client.request(method, path, headers=headers, json=body)
        await problem(resp, 404, "member_not_found")


async def test_a_delegation_without_the_transit_scope_gives_nothing(client: TestClient) -> None:
    headers, mother = await _mother(client)
    await Delegation.filter(id=mother).update(scopes="medical,credit")
    await _all_refused(client, headers, mother)


async def test_an_ended_delegation_stops_the_ride_code_at_once(client: TestClient) -> None:
    headers, mother = await _mother(client)
    await open_account(client, "parent", member=mother)
    await ride_code(client, headers, member=mother)  # now cached for the next requests
    resp = await client.post(f"/api/v1/delegations/{mother}/end", headers=headers)
    assert resp.status == 200, await resp.text()
    await _all_refused(client, headers, mother)


async def test_an_expired_delegation_stops_the_ride_code(client: TestClient) -> None:
    headers, mother = await _mother(client)
    await open_account(client, "parent", member=mother)
    ends = datetime.now(UTC) + timedelta(seconds=1.5)
    await Delegation.filter(id=mother).update(expires_at=ends)
    await ride_code(client, headers, member=mother)
    await ride_code(client, headers, member=mother.upper())  # the same member, spelt otherwise
    await asyncio.sleep((ends - datetime.now(UTC)).total_seconds() + 0.1)
    await _all_refused(client, headers, mother)
    await _all_refused(client, headers, mother.upper())
