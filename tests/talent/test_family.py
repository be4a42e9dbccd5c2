"""Family with the talent scope follow a talent's card and history, and may report it lost;
the live code stays with its holder."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from integrations.simworld import PEOPLE
from tests.helpers import bearer, login, problem
from tests.talent.support import card_code, redeem


async def _acts_for_talent(client: TestClient, relative: dict[str, str], scopes: list[str]) -> str:
    """``relative`` asks to act for the talent persona (as an adult child); the talent agrees."""
    talent = PEOPLE["talent"]
    resp = await client.post(
        "/api/v1/delegations",
        json={"relation": "parent", "name": talent.name, "id_number": talent.id_number,
              "scopes": scopes},
        headers=relative,
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    delegation = str((await resp.json())["id"])
    holder = bearer(await login(client, "talent"))
    assert (await client.post(f"/api/v1/delegations/{delegation}/confirm", headers=holder)).ok
    return delegation


async def test_family_follow_the_card_and_report_it_lost(
    client: TestClient,
    talent: dict[str, str],
    resident: dict[str, str],
    gatekeeper: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    member = await _acts_for_talent(client, resident, ["talent"])
    assert (await redeem(client, gatekeeper, await card_code(client, talent))).status == 201
    resp = await client.get("/api/v1/talent/card", params={"member": member}, headers=resident)
    assert resp.status == 200, await resp.text()
    card = await resp.json()
    assert (card["id"], card["name"], card["state"]) == (silver_card["id"], "林*言", "active")
    history = await client.get(
        "/api/v1/talent/redemptions", params={"member": member}, headers=resident
    )
    assert [i["benefit"] for i in (await history.json())["items"]] == ["liugong-island-entry"]
    mine = await client.get("/api/v1/talent/redemptions", headers=resident)
    assert (await mine.json())["items"] == []

    # the code admits its holder in person: a relative cannot show it
    for path in ("/api/v1/talent/card/code", "/api/v1/talent/card/image"):
        resp = await client.get(path, params={"member": member}, headers=resident)
        await problem(resp, 422, "validation_failed")

    still_valid = await card_code(client, talent)
    resp = await client.post(
        "/api/v1/talent/card/report-lost", params={"member": member}, headers=resident
    )
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["state"] == "lost"
    own = await (await client.get("/api/v1/talent/card", headers=talent)).json()
    assert own["state"] == "lost"
    await problem(await redeem(client, gatekeeper, still_valid), 409, "talent_card_lost")


async def test_another_scope_does_not_reach_the_card(
    client: TestClient, resident: dict[str, str], silver_card: dict[str, Any]
) -> None:
    member = await _acts_for_talent(client, resident, ["medical", "credit"])
    for method, path in (("GET", "/api/v1/talent/card"), ("GET", "/api/v1/talent/redemptions"),
                         ("POST", "/api/v1/talent/card/report-lost")):  # fmt: skip
        resp = await client.request(method, path, params={"member": member}, headers=resident)
        await problem(resp, 404, "member_not_found")
