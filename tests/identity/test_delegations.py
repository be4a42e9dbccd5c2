"""Acting for family: a minor child from the household register, a parent who confirms."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from integrations.simworld import PEOPLE
from tests.helpers import bearer, login, new_wechat_user, problem

CHILD, MOTHER = PEOPLE["parent_child"], PEOPLE["parent_mother"]


async def _delegations(client: TestClient, token: str) -> dict[str, list[dict[str, object]]]:
    resp = await client.get("/api/v1/delegations", headers=bearer(token))
    assert resp.status == 200
    return await resp.json()  # type: ignore[no-any-return]


async def test_seeded_parent_acts_for_child_and_mother(client: TestClient) -> None:
    token = await login(client, "parent")
    held = (await _delegations(client, token))["acting_for"]
    assert sorted(d["relation"] for d in held) == ["child", "parent"]
    assert all(d["status"] == "active" for d in held)
    mother = await login(client, "parent_mother")
    given = (await _delegations(client, mother))["acting_for_me"]
    assert [d["relation"] for d in given] == ["parent"]


async def test_child_in_household_is_added_at_once(client: TestClient) -> None:
    token = await login(client, "parent")
    held = (await _delegations(client, token))["acting_for"]
    child = next(d for d in held if d["relation"] == "child")
    await client.post(f"/api/v1/delegations/{child['id']}/end", headers=bearer(token))
    resp = await client.post(
        "/api/v1/delegations",
        json={"relation": "child", "name": CHILD.name, "id_number": CHILD.id_number,
              "scopes": ["medical"]},
        headers=bearer(token),
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body["status"] == "active"
    assert body["basis"] == "household_register"
    assert body["scopes"] == ["medical"]


async def test_someone_elses_child_is_refused(client: TestClient) -> None:
    token = await login(client, "resident")
    resp = await client.post(
        "/api/v1/delegations",
        json={"relation": "child", "name": CHILD.name, "id_number": CHILD.id_number,
              "scopes": ["medical"]},
        headers=bearer(token),
    )  # fmt: skip
    await problem(resp, 400, "delegation_not_in_household")


async def test_parent_must_confirm_and_can_revoke(client: TestClient) -> None:
    elder = PEOPLE["elder"]
    token = await login(client, "resident")
    resp = await client.post(
        "/api/v1/delegations",
        json={"relation": "parent", "name": elder.name, "id_number": elder.id_number,
              "scopes": ["medical", "transit"]},
        headers=bearer(token),
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    pending = await resp.json()
    assert pending["status"] == "pending"

    # a stranger cannot confirm it, and sees nothing of it
    stranger = await login(client, "talent")
    resp = await client.post(
        f"/api/v1/delegations/{pending['id']}/confirm", headers=bearer(stranger)
    )
    await problem(resp, 404, "delegation_not_found")
    # nor can the requester confirm on the parent's behalf
    resp = await client.post(f"/api/v1/delegations/{pending['id']}/confirm", headers=bearer(token))
    await problem(resp, 404, "delegation_not_found")

    elder_token = await login(client, "elder")
    incoming = (await _delegations(client, elder_token))["acting_for_me"]
    assert [d["id"] for d in incoming] == [pending["id"]]
    resp = await client.post(
        f"/api/v1/delegations/{pending['id']}/confirm", headers=bearer(elder_token)
    )
    assert resp.status == 200
    assert (await resp.json())["status"] == "active"

    resp = await client.post(
        f"/api/v1/delegations/{pending['id']}/end", headers=bearer(elder_token)
    )
    assert (await resp.json())["status"] == "revoked"
    held = (await _delegations(client, token))["acting_for"]
    assert held[0]["status"] == "revoked"


async def test_unverified_resident_cannot_add_family(client: TestClient) -> None:
    token = await new_wechat_user(client, "o-unverified-family")
    resp = await client.post(
        "/api/v1/delegations",
        json={"relation": "child", "name": CHILD.name, "id_number": CHILD.id_number,
              "scopes": ["medical"]},
        headers=bearer(token),
    )  # fmt: skip
    await problem(resp, 403, "real_name_required")


async def test_bad_ids_are_not_found(client: TestClient) -> None:
    token = await login(client, "resident")
    for path in ("/api/v1/delegations/not-a-uuid/end",
                 "/api/v1/delegations/00000000-0000-0000-0000-000000000000/end"):  # fmt: skip
        resp = await client.post(path, headers=bearer(token))
        assert resp.status == 404
