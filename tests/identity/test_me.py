"""Real-name verification, phone binding both ways, the profile, and closing an account."""

from __future__ import annotations

from datetime import date

from aiohttp.test_utils import TestClient
from tortoise.connection import get_connection

from models.identity.residents import Resident
from tests.helpers import bearer, login, make_id_number, new_wechat_user, problem, sim

NEW_PERSON = {
    "key": "new_person",
    "name": "宋雨桐",
    "id_number": make_id_number("19960412", 22),
    "birth_date": "1996-04-12",
    "sex": "F",
    "phone": "13905310022",
    "household_id": "HH-TEST-1",
}


async def _add_person(client: TestClient, **changes: object) -> dict[str, object]:
    person = {**NEW_PERSON, **changes}
    await sim(client, "aishandong", "POST", "/_sim/people", json=person)
    return person


async def _verify_calls(client: TestClient) -> int:
    calls = await sim(client, "aishandong", "GET", "/_sim/calls")
    return int(sum(v for k, v in calls.items() if "verify" in k))


async def test_real_name_verification(client: TestClient) -> None:
    person = await _add_person(client)
    token = await new_wechat_user(client, "o-real-name-1")
    resp = await client.post(
        "/api/v1/me/real-name",
        json={"name": person["name"], "id_number": person["id_number"]},
        headers=bearer(token),
    )
    assert resp.status == 200, await resp.text()
    profile = await resp.json()
    assert profile["verified"] is True
    assert profile["name"] == "宋*桐"
    assert profile["birth_date"] == "1996-04-12"
    assert all(profile["services"].values())
    row = await Resident.get(id=profile["id"])
    assert row.sex == "F"
    assert row.birth_date == date(1996, 4, 12)
    # the same verification again changes nothing
    again = await client.post(
        "/api/v1/me/real-name",
        json={"name": person["name"], "id_number": person["id_number"]},
        headers=bearer(token),
    )
    assert again.status == 200


async def test_bad_checksum_is_refused_locally(client: TestClient) -> None:
    token = await new_wechat_user(client, "o-real-name-2")
    good = str(NEW_PERSON["id_number"])
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = await _verify_calls(client)
    resp = await client.post(
        "/api/v1/me/real-name", json={"name": "宋雨桐", "id_number": bad}, headers=bearer(token)
    )
    body = await problem(resp, 422, "validation_failed")
    assert body["errors"][0]["path"] == "body/id_number"
    assert await _verify_calls(client) == before  # 爱山东 was never asked
    assert (await Resident.get(openid="o-real-name-2")).verified_at is None


async def test_wrong_name_and_unknown_person(client: TestClient) -> None:
    person = await _add_person(client)
    token = await new_wechat_user(client, "o-real-name-3")
    resp = await client.post(
        "/api/v1/me/real-name",
        json={"name": "李四", "id_number": person["id_number"]},
        headers=bearer(token),
    )
    await problem(resp, 400, "identity_mismatch")
    resp = await client.post(
        "/api/v1/me/real-name",
        json={"name": "李四", "id_number": make_id_number("19800101", 33)},
        headers=bearer(token),
    )
    await problem(resp, 400, "identity_not_found")


async def test_one_document_binds_one_account(client: TestClient) -> None:
    person = await _add_person(client)
    body = {"name": person["name"], "id_number": person["id_number"]}
    first = await new_wechat_user(client, "o-first")
    assert (
        await client.post("/api/v1/me/real-name", json=body, headers=bearer(first))
    ).status == 200
    second = await new_wechat_user(client, "o-second")
    resp = await client.post("/api/v1/me/real-name", json=body, headers=bearer(second))
    await problem(resp, 409, "id_number_bound")


async def test_foreigner_verifies_with_permanent_residence_card(client: TestClient) -> None:
    number = make_id_number("19890303", 15, area="937410")
    await _add_person(
        client, key="new_foreigner", name="ANNA SCHMIDT", id_type="permanent_residence",
        id_number=number, birth_date="1989-03-03", nationality="DEU", household_id=None,
    )  # fmt: skip
    token = await new_wechat_user(client, "o-foreigner-2")
    payload = {"name": "ANNA SCHMIDT", "id_number": number, "id_type": "permanent_residence"}
    resp = await client.post("/api/v1/me/real-name", json=payload, headers=bearer(token))
    await problem(resp, 422, "validation_failed")  # nationality is required for foreigners
    payload["nationality"] = "DEU"
    resp = await client.post("/api/v1/me/real-name", json=payload, headers=bearer(token))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["id_type"] == "permanent_residence"


async def test_phone_by_one_time_code(client: TestClient) -> None:
    token = await new_wechat_user(client, "o-phone-1")
    code = (
        await sim(client, "wechat", "POST", "/_sim/phone-codes", json={"phone": "13905310077"})
    )["code"]
    resp = await client.post("/api/v1/me/phone", json={"code": code}, headers=bearer(token))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["phone"] == "139****0077"
    resp = await client.post("/api/v1/me/phone", json={"code": code}, headers=bearer(token))
    await problem(resp, 400, "phone_code_invalid")  # single use


async def test_phone_by_legacy_encrypted_data(client: TestClient) -> None:
    token = await new_wechat_user(client, "o-phone-2")
    enc = await sim(
        client, "wechat", "POST", "/_sim/encrypted-data",
        json={"openid": "o-phone-2", "phone": "13905310088"},
    )  # fmt: skip
    resp = await client.post("/api/v1/me/phone", json=enc, headers=bearer(token))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["phone"] == "139****0088"
    forged = await sim(
        client, "wechat", "POST", "/_sim/encrypted-data",
        json={"openid": "o-phone-2", "phone": "13905310099", "appid": "wx-someone-else"},
    )  # fmt: skip
    resp = await client.post("/api/v1/me/phone", json=forged, headers=bearer(token))
    await problem(resp, 400, "encrypted_data_invalid")
    resp = await client.post(
        "/api/v1/me/phone", json={"encrypted_data": "bm90", "iv": "bm90"}, headers=bearer(token)
    )
    await problem(resp, 400, "encrypted_data_invalid")


async def test_phone_body_must_choose_one_way(client: TestClient) -> None:
    token = await login(client, "resident")
    for body in ({}, {"code": "x", "encrypted_data": "y", "iv": "z"}, {"encrypted_data": "y"}):
        resp = await client.post("/api/v1/me/phone", json=body, headers=bearer(token))
        await problem(resp, 422, "validation_failed")


async def test_database_holds_no_clear_numbers(client: TestClient) -> None:
    await login(client, "resident")
    rows = await get_connection("default").execute_query_dict("SELECT * FROM residents")
    dump = repr(rows)
    assert rows
    for secret in ("371002199007120311", "13863104527", "于晓峰"):
        assert secret not in dump


async def test_close_account_erases_and_signs_out(client: TestClient) -> None:
    token = await login(client, "resident")
    other = await login(client, "resident")
    me = await (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert (await client.delete("/api/v1/me", headers=bearer(token))).status == 204
    for t in (token, other):
        await problem(await client.get("/api/v1/me", headers=bearer(t)), 401, "session_invalid")
    row = await Resident.get(id=me["id"])
    assert row.status == "closed"
    assert row.name_enc is None
    assert row.id_number_hash is None
    assert row.phone_enc is None
    assert row.openid.startswith("closed:")
    # the same WeChat user can start afresh with a new, unverified account
    fresh = await (await client.post("/api/v1/auth/login", json={"code": "demo-resident"})).json()
    assert fresh["profile"]["id"] != me["id"]
    assert fresh["profile"]["verified"] is False


async def test_no_id_reaches_another_residents_profile(client: TestClient) -> None:
    mine = await login(client, "resident")
    theirs = await login(client, "elder")
    their_id = (await (await client.get("/api/v1/me", headers=bearer(theirs))).json())["id"]
    resp = await client.get(f"/api/v1/me?id={their_id}", headers=bearer(mine))
    assert (await resp.json())["id"] != their_id  # the profile is always the caller's own
    for path in (f"/api/v1/me/{their_id}", f"/api/v1/residents/{their_id}"):
        await problem(await client.get(path, headers=bearer(mine)), 404, "not_found")
