"""WeChat login end to end: our server → our WeChat client → the WeChat simulator, over HTTP."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from palm import keys
from tests.helpers import bearer, login, problem


async def test_persona_logs_in_and_sees_masked_profile(client: TestClient) -> None:
    resp = await client.post("/api/v1/auth/login", json={"code": "demo-resident"})
    assert resp.status == 200
    body = await resp.json()
    assert len(body["token"]) >= 43  # 256 bits, url-safe base64
    assert body["expires_in"] == client.app[keys.SETTINGS].session_ttl_seconds
    profile = body["profile"]
    assert profile["verified"] is True
    assert profile["roles"] == ["resident"]
    assert "*" in profile["name"]
    assert "****" in profile["phone"]

    me = await client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status == 200
    assert (await me.json())["id"] == profile["id"]


@pytest.mark.parametrize(
    ("persona", "role"),
    [("librarian", "merchant_staff"), ("doctor", "clinician"), ("officer", "operator")],
)
async def test_staff_personas_carry_their_roles(
    client: TestClient, persona: str, role: str
) -> None:
    token = await login(client, persona)
    body = await (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert body["roles"] == sorted(["resident", role])


async def test_same_persona_twice_is_one_resident(client: TestClient) -> None:
    first = await client.post("/api/v1/auth/login", json={"code": "demo-elder"})
    second = await client.post("/api/v1/auth/login", json={"code": "demo-elder"})
    one, two = await first.json(), await second.json()
    assert one["profile"]["id"] == two["profile"]["id"]
    assert one["token"] != two["token"]


async def test_new_wechat_user_is_created_unverified(client: TestClient) -> None:
    wechat = client.app[keys.PLATFORMS]["wechat"]
    session = client.app[keys.HTTP]
    async with session.post(f"{wechat.base_url}/_sim/codes", json={"openid": "o-new-user"}) as r:
        code = (await r.json())["code"]
    resp = await client.post("/api/v1/auth/login", json={"code": code})
    assert resp.status == 200
    profile = (await resp.json())["profile"]
    assert profile == {**profile, "verified": False, "name": None, "phone": None}
    # a wx.login code works once
    await problem(
        await client.post("/api/v1/auth/login", json={"code": code}), 400, "wechat_code_invalid"
    )


async def test_invalid_and_risky_codes(client: TestClient) -> None:
    resp = await client.post("/api/v1/auth/login", json={"code": "not-a-real-code"})
    await problem(resp, 400, "wechat_code_invalid")
    resp = await client.post("/api/v1/auth/login", json={"code": "demo-risky"})
    await problem(resp, 403, "wechat_risky_user")


async def test_logout_ends_the_session(client: TestClient) -> None:
    token = await login(client, "resident")
    assert (await client.post("/api/v1/auth/logout", headers=bearer(token))).status == 204
    await problem(await client.get("/api/v1/me", headers=bearer(token)), 401, "session_invalid")
