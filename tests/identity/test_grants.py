"""Operators' list of staff grants: cursor paging and filters, bounded query values."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import bearer, login, problem

GRANTS = "/api/v1/admin/grants"


async def _list(client: TestClient, who: dict[str, str], query: str = "") -> dict[str, Any]:
    resp = await client.get(GRANTS + query, headers=who)
    assert resp.status == 200, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]


async def test_grants_page_and_filter(client: TestClient) -> None:
    officer = bearer(await login(client, "officer"))
    every = await _list(client, officer, "?limit=200")
    assert every["next_cursor"] is None
    assert len(every["items"]) >= 5  # the demo's staff, clinician and operator
    pages, cursor = [], ""
    while True:
        page = await _list(client, officer, f"?limit=2{cursor}")
        assert len(page["items"]) <= 2
        pages += page["items"]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert [g["id"] for g in pages] == [g["id"] for g in every["items"]]  # newest first, no gaps

    [operator] = (await _list(client, officer, "?role=operator"))["items"]
    assert "grants" in operator["scopes"]
    library = (await _list(client, officer, "?organisation=weihai-library"))["items"]
    assert {g["organisation"] for g in library} == {"weihai-library"}
    mine = await _list(client, officer, f"?resident_id={operator['resident_id']}")
    assert [g["id"] for g in mine["items"]] == [operator["id"]]
    assert (await _list(client, officer, "?organisation=nowhere"))["items"] == []


async def test_grant_queries_are_bounded(client: TestClient) -> None:
    officer = bearer(await login(client, "officer"))
    for bad in ("?role=king", "?resident_id=42", "?organisation=" + "x" * 65,
                "?organisation=a%20b", "?limit=0", "?limit=99999999999999999999"):  # fmt: skip
        await problem(await client.get(GRANTS + bad, headers=officer), 422, "validation_failed")
    await problem(await client.get(GRANTS + "?cursor=%%%", headers=officer), 400, "invalid_cursor")
    resident = bearer(await login(client, "resident"))
    await problem(await client.get(GRANTS, headers=resident), 403, "forbidden_role")
