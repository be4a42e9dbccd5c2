"""Fare classes from data: the elder rides free, the parent's mother (62) pays half."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.transit.support import open_account, ride_code, tap, trips, upload


async def test_elder_rides_free(client: TestClient) -> None:
    headers, _ = await open_account(client, "elder")
    code = await ride_code(client, headers)
    assert code["fare_class"] == "free"
    await upload(client, [tap(code["code"])])
    [trip] = await trips(client, headers)
    assert (trip["fare_class"], trip["fare_fen"], trip["status"]) == ("free", 0, "settled")


async def test_parents_mother_pays_half(client: TestClient) -> None:
    from tests.helpers import bearer, login

    headers = bearer(await login(client, "parent"))
    family = await (await client.get("/api/v1/delegations", headers=headers)).json()
    mother = next(d["id"] for d in family["acting_for"] if d["relation"] == "parent")
    headers, _ = await open_account(client, "parent", member=mother)
    code = await ride_code(client, headers, member=mother)
    assert code["fare_class"] == "half"
    await upload(client, [tap(code["code"], line="1")])
    [trip] = await trips(client, headers, member=mother)
    assert (trip["fare_class"], trip["base_fare_fen"], trip["fare_fen"]) == ("half", 200, 100)


async def test_transfer_within_the_window_costs_less(client: TestClient) -> None:
    headers, _ = await open_account(client, "resident")
    first = await ride_code(client, headers)
    second = await ride_code(client, headers)
    await upload(client, [tap(first["code"], line="1"), tap(second["code"], line="7")])
    fares = sorted((t["line"], t["fare_fen"], t["transfer"]) for t in await trips(client, headers))
    assert fares == [("1", 200, False), ("7", 100, True)]
