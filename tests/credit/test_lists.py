"""Desk and office lists: cursor pages, filters (reference, view, days, scene), CSV, bounds."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from models.credit.waivers import CreditWaiver
from tests.credit.support import days_pass, headers, waived
from tests.helpers import problem, run_jobs

DESK = "/api/v1/merchant/credit/waivers"


async def _json(client: TestClient, path: str, who: dict[str, str], **params: Any) -> Any:
    resp = await client.get(path, params={k: str(v) for k, v in params.items()}, headers=who)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _walk(client: TestClient, path: str, who: dict[str, str], **params: Any) -> list[Any]:
    """Every item of a list, page by page (two at a time)."""
    items: list[Any] = []
    cursor = None
    while True:
        page = await _json(
            client, path, who, limit=2, **params, **({"cursor": cursor} if cursor else {})
        )
        items += page["items"]
        assert len(page["items"]) <= 2
        if (cursor := page["next_cursor"]) is None:
            return items


async def _csv(
    client: TestClient, path: str, who: dict[str, str], **params: Any
) -> list[dict[str, str]]:
    resp = await client.get(path, params={k: str(v) for k, v in params.items()}, headers=who)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "text/csv"
    return list(csv.DictReader((await resp.read()).decode("utf-8-sig").splitlines()))


@pytest.fixture
async def desk(client: TestClient) -> dict[str, Any]:
    """Five waivers at the library (D-1 … D-5, granted in that order), D-5 back in January."""
    librarian = await headers(client, "librarian")
    people = [await headers(client, p) for p in ("resident", "talent")]
    ids = {}
    for n in range(1, 6):
        ids[f"D-{n}"] = await waived(client, librarian, people[n % 2], amount=1000,
                                     reference=f"D-{n}")  # fmt: skip
    january = datetime(2026, 1, 15, 4, tzinfo=UTC)
    await CreditWaiver.filter(id=ids["D-5"]).update(granted_at=january)
    return {"librarian": librarian, "ids": ids}


async def test_desk_pages_filters_and_exports(client: TestClient, desk: dict[str, Any]) -> None:
    librarian, ids = desk["librarian"], desk["ids"]
    walked = await _walk(client, DESK, librarian, view="all")
    assert [w["reference"] for w in walked] == ["D-4", "D-3", "D-2", "D-1", "D-5"]
    assert (await _json(client, DESK, librarian, reference="D-3"))["items"][0]["id"] == ids["D-3"]
    assert (await _json(client, DESK, librarian, reference="D-"))["items"] == []  # exact
    january = await _json(client, DESK, librarian, **{"from": "2026-01-01", "to": "2026-01-31"})
    assert [w["reference"] for w in january["items"]] == ["D-5"]
    assert len((await _json(client, DESK, librarian, scene="library", limit=9))["items"]) == 5
    assert (await _json(client, DESK, librarian, scene="hotel"))["items"] == []

    await client.post(f"{DESK}/{ids['D-1']}/release", headers=librarian)
    await client.post(f"{DESK}/{ids['D-2']}/default", json={"amount": 1000, "evidence": "遗失"},
                      headers=librarian)  # fmt: skip
    await client.post(f"{DESK}/{ids['D-2']}/paid", headers=librarian)
    await client.post(f"{DESK}/{ids['D-3']}/default", json={"amount": 500, "evidence": "污损"},
                      headers=librarian)  # fmt: skip

    def refs(page: Any) -> list[str]:
        return [w["reference"] for w in page["items"]]

    assert refs(await _json(client, DESK, librarian, view="closed")) == ["D-2", "D-1"]
    assert refs(await _json(client, DESK, librarian, view="released")) == ["D-1"]
    assert refs(await _json(client, DESK, librarian, view="defaulted")) == ["D-3"]
    assert refs(await _json(client, DESK, librarian)) == ["D-4", "D-5"]  # active by default

    rows = await _csv(client, f"{DESK}.csv", librarian, view="all")
    assert [r["reference"] for r in rows] == ["D-5", "D-1", "D-2", "D-3", "D-4"]  # oldest first
    d3 = next(r for r in rows if r["reference"] == "D-3")
    assert (d3["status"], d3["default_amount_fen"], d3["default_status"]) == (
        "defaulted",
        "500",
        "open",
    )
    assert {r["holder"] for r in rows} == {"于*峰", "林*言"}
    assert d3["granted_at"].endswith("+08:00")
    assert await _csv(client, f"{DESK}.csv", librarian, view="released", reference="D-4") == []
    other = await _csv(client, f"{DESK}.csv", await headers(client, "cashier"), view="all")
    assert other == []  # another merchant's desk sees none of them


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "0001-01-01"}, "validation_failed"),
        ({"to": "9999-12-31"}, "validation_failed"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "validation_failed"),
        ({"limit": "99999999999999999999"}, "validation_failed"),
        ({"reference": "x" * 65}, "validation_failed"),
        ({"view": "everything"}, "validation_failed"),
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"cursor": "WyJ4Iix0cnVlXQ"}, "invalid_cursor"),
    ],
)
async def test_desk_query_values_are_bounded(
    client: TestClient, params: dict[str, str], code: str
) -> None:
    librarian = await headers(client, "librarian")
    status = 400 if code == "invalid_cursor" else 422
    await problem(await client.get(DESK, params=params, headers=librarian), status, code)
    if "cursor" not in params and "limit" not in params:
        await problem(await client.get(f"{DESK}.csv", params=params, headers=librarian),
                      status, code)  # fmt: skip


async def test_office_lists_of_disputes_and_defaults(
    client: TestClient, desk: dict[str, Any]
) -> None:
    librarian, ids = desk["librarian"], desk["ids"]
    resident, talent = await headers(client, "resident"), await headers(client, "talent")
    for ref, holder in (("D-1", talent), ("D-2", resident), ("D-3", talent)):
        await client.post(f"{DESK}/{ids[ref]}/default", json={"amount": 800, "evidence": "遗失"},
                          headers=librarian)  # fmt: skip
        if ref != "D-3":
            resp = await client.post(f"/api/v1/credit/waivers/{ids[ref]}/dispute",
                                     json={"reason": f"异议 {ref}"}, headers=holder)  # fmt: skip
            assert resp.status == 201, await resp.text()
    officer = await headers(client, "officer")
    disputes = await _walk(client, "/api/v1/admin/credit/disputes", officer)
    assert [d["reason"] for d in disputes] == ["异议 D-1", "异议 D-2"]  # oldest first
    one = await _json(client, "/api/v1/admin/credit/disputes", officer, reference="D-2")
    assert [d["holder"] for d in one["items"]] == ["于*峰"]
    assert (await _json(client, "/api/v1/admin/credit/disputes", officer,
                        merchant="weihai-municipal-hospital"))["items"] == []  # fmt: skip
    assert (await _json(client, "/api/v1/admin/credit/disputes", officer, status="upheld"))[
        "items"
    ] == []
    rows = await _csv(client, "/api/v1/admin/credit/disputes.csv", officer, status="all")
    assert [(r["reference"], r["status"]) for r in rows] == [("D-1", "pending"), ("D-2", "pending")]

    defaults = await _walk(client, "/api/v1/admin/credit/defaults", officer)
    assert [d["reference"] for d in defaults] == ["D-3", "D-2", "D-1"]  # newest first
    open_only = await _json(client, "/api/v1/admin/credit/defaults", officer, status="open")
    assert [d["reference"] for d in open_only["items"]] == ["D-3"]
    assert (await _json(client, "/api/v1/admin/credit/defaults", officer, reported="true"))[
        "items"
    ] == []
    await days_pass(8)  # D-3 was neither paid nor disputed: it is reported
    await run_jobs(client)
    reported = await _json(client, "/api/v1/admin/credit/defaults", officer, reported="true")
    assert [(d["reference"], d["status"], d["reported"]) for d in reported["items"]] == [
        ("D-3", "unresolved", True)
    ]
    rows = await _csv(client, "/api/v1/admin/credit/defaults.csv", officer)
    assert [r["reference"] for r in rows] == ["D-1", "D-2", "D-3"]
    assert all("*" in r["holder"] for r in rows)
    librarian_csv = await client.get("/api/v1/admin/credit/defaults.csv", headers=librarian)
    await problem(librarian_csv, 403, "forbidden_role")


async def test_an_export_larger_than_one_batch(client: TestClient, desk: dict[str, Any]) -> None:
    """Exports read related rows in batches: no IN list past what SQLite allows."""
    first = await CreditWaiver.get(reference="D-1")
    now = datetime.now(UTC)
    await CreditWaiver.bulk_create([
        CreditWaiver(account_id=first.account_id, scene_id=first.scene_id,  # type: ignore[attr-defined]
                     merchant_id=first.merchant_id, amount_fen=100, reference=f"B-{n}",  # type: ignore[attr-defined]
                     granted_by=first.granted_by, granted_at=now, due_at=now)
        for n in range(1200)
    ])  # fmt: skip
    rows = await _csv(client, f"{DESK}.csv", desk["librarian"], view="all")
    assert len(rows) == 1205
    assert {r["holder"] for r in rows} == {"于*峰", "林*言"}
