"""The resident's own view: rating band, what is waived against the limit, the credit code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient

from tests.credit.support import headers, set_rating, waived
from tests.helpers import problem, sim


async def _profile(client: TestClient, persona: str) -> dict[str, object]:
    resp = await client.get("/api/v1/credit/profile", headers=await headers(client, persona))
    assert resp.status == 200, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]


async def test_profile_shows_band_limit_and_what_is_waived(client: TestClient) -> None:
    first = await _profile(client, "resident")
    assert {k: first[k] for k in ("rating", "limit", "waived", "available", "blocked")} == {
        "rating": "A",
        "limit": 500_000,
        "waived": 0,
        "available": 500_000,
        "blocked": False,
    }
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    waiver_id = await waived(client, librarian, resident, amount=6000)
    after = await _profile(client, "resident")
    assert (after["waived"], after["available"]) == (6000, 494_000)
    assert [w["id"] for w in after["active"]] == [waiver_id]  # type: ignore[attr-defined]
    assert after["defaults"] == []
    assert (await _profile(client, "talent"))["rating"] == "A+"


async def test_an_unrated_resident_has_no_limit(client: TestClient) -> None:
    await set_rating(client, "elder", None)
    profile = await _profile(client, "elder")
    assert (profile["rating"], profile["limit"]) == (None, 0)


async def test_profile_is_unavailable_while_the_platform_is(client: TestClient) -> None:
    await sim(
        client, "credit", "POST", "/_sim/failures", json={"operation": "credit.rating", "times": 5}
    )
    resp = await client.get("/api/v1/credit/profile", headers=await headers(client, "parent"))
    await problem(resp, 503, "platform_unavailable")


async def test_credit_code_is_short_lived_and_refreshes(client: TestClient) -> None:
    resident = await headers(client, "resident")
    first = await (await client.get("/api/v1/credit/code", headers=resident)).json()
    second = await (await client.get("/api/v1/credit/code", headers=resident)).json()
    assert first["text"] != second["text"]
    expires = datetime.fromisoformat(first["expires_at"])
    refresh = datetime.fromisoformat(first["refresh_at"])
    now = datetime.now(UTC)
    assert now < refresh < expires <= now + timedelta(seconds=61)
