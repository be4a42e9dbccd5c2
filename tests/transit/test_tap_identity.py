"""A tap is known by its validator and tap id; a re-sent tap with other content is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from aiohttp.test_utils import TestClient

from models.transit.trips import Tap, TapConflict
from tests.helpers import bearer, login, problem, run_jobs
from tests.transit.support import open_account, ride_code, tap, trips, upload, validator

CONFLICTS = "/api/v1/admin/transit/tap-conflicts"


async def test_two_validators_counting_from_one_both_charge(client: TestClient) -> None:
    resident, _ = await open_account(client, "resident")
    elder, _ = await open_account(client, "elder")
    other = await validator("bus-202")
    first = await upload(client, [tap((await ride_code(client, resident))["code"],
                                      tap_id="00000001")])  # fmt: skip
    second = await upload(client, [tap((await ride_code(client, elder))["code"],
                                       tap_id="00000001")], device=other)  # fmt: skip
    assert (first["new"], second["new"]) == (1, 1)
    assert (first["conflicts"], second["conflicts"]) == (0, 0)
    assert len(await trips(client, resident)) == 1
    assert len(await trips(client, elder)) == 1


async def test_the_same_tap_resent_is_one_tap(client: TestClient) -> None:
    headers, _ = await open_account(client, "resident")
    sent = tap((await ride_code(client, headers))["code"], tap_id="00000007")
    at = datetime.fromisoformat(sent["tapped_at"])
    same_moment = {**sent, "tapped_at": at.astimezone(timezone(timedelta(hours=8))).isoformat()}
    again = await upload(client, [sent, sent])
    assert (again["received"], again["new"], again["conflicts"]) == (2, 1, 0)
    again = await upload(client, [same_moment])  # the same instant, written in China time
    assert (again["new"], again["conflicts"], again["conflict_tap_ids"]) == (0, 0, [])
    assert await Tap.all().count() == 1
    assert await TapConflict.all().count() == 0


async def test_a_tap_id_resent_with_other_content_is_kept_for_operators(
    client: TestClient,
) -> None:
    headers, _ = await open_account(client, "resident")
    ridden = tap((await ride_code(client, headers))["code"], tap_id="00000042")
    await upload(client, [ridden])
    # The validator's counter was reset: a later, real ride reuses the id.
    later = tap((await ride_code(client, headers))["code"], tap_id="00000042",
                at=datetime.now(UTC) + timedelta(seconds=5))  # fmt: skip
    later["stop"] = "威高广场"
    for _ in range(2):  # a retried upload names it again, and records it once
        answer = await upload(client, [later])
        assert (answer["new"], answer["conflicts"]) == (0, 1)
        assert answer["conflict_tap_ids"] == ["00000042"]
    assert len(await trips(client, headers)) == 1  # not priced on its own

    officer = bearer(await login(client, "officer"))
    resp = await client.get(f"{CONFLICTS}?status=open&line=1&device=bus-101", headers=officer)
    assert resp.status == 200, await resp.text()
    [row] = (await resp.json())["items"]
    assert (row["tap_id"], row["stop"], row["original_stop"]) == ("00000042", "威高广场", "火车站")
    assert row["original_state"] == "trip"
    resp = await client.get(f"{CONFLICTS}.csv?status=open", headers=officer)
    assert resp.status == 200
    lines = (await resp.text()).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,status,device,tap_id")
    assert len(lines) == 2

    resp = await client.post(f"{CONFLICTS}/{row['id']}/resolve", headers=officer,
                             json={"action": "accept"})  # fmt: skip
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"] == "accepted"
    await run_jobs(client)
    assert len(await trips(client, headers)) == 2  # the second ride is charged, once
    resp = await client.post(f"{CONFLICTS}/{row['id']}/resolve", headers=officer,
                             json={"action": "dismiss"})  # fmt: skip
    await problem(resp, 409, "tap_conflict_resolved")
    resp = await client.get(f"{CONFLICTS}?status=open", headers=officer)
    assert (await resp.json())["items"] == []


async def test_a_conflict_within_one_batch_is_kept(client: TestClient) -> None:
    first = tap("NOT A CODE", tap_id="00000009")
    answer = await upload(client, [first, {**first, "line": "7"}])
    assert (answer["new"], answer["conflicts"]) == (1, 1)
    officer = bearer(await login(client, "officer"))
    [row] = (await (await client.get(CONFLICTS, headers=officer)).json())["items"]
    assert (row["line"], row["original_line"]) == ("7", "1")
    resp = await client.post(f"{CONFLICTS}/{row['id']}/resolve", headers=officer,
                             json={"action": "dismiss"})  # fmt: skip
    assert (await resp.json())["status"] == "dismissed"
    await problem(await client.post(f"{CONFLICTS}/999999999999999999999/resolve",
                                    headers=officer, json={"action": "dismiss"}),
                  404, "tap_conflict_not_found")  # fmt: skip
