"""Operators' transit lists: cursor pages, filters and CSV, through HTTP; riders' trips paged."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import bearer, login, problem, sim
from tests.transit.support import open_account, ride_code, settle_today, tap, trips, upload
from tests.transit.test_special_cards import CERTIFICATE, _run_reverification

ADMIN = "/api/v1/admin/transit"


async def _get(client: TestClient, headers: dict[str, str], path: str) -> Any:
    resp = await client.get(path, headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _csv(client: TestClient, headers: dict[str, str], path: str) -> list[str]:
    resp = await client.get(path, headers=headers)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "text/csv"
    return (await resp.text()).lstrip("\ufeff").splitlines()


async def _pages(client: TestClient, headers: dict[str, str], path: str) -> list[list[Any]]:
    pages, cursor = [], None
    while True:
        sep = "&" if "?" in path else "?"
        body = await _get(client, headers, path + (f"{sep}cursor={cursor}" if cursor else ""))
        pages.append(body["items"])
        if (cursor := body["next_cursor"]) is None:
            return pages


async def test_lines_report_pages_filters_and_exports(client: TestClient) -> None:
    rider, _ = await open_account(client, "resident")
    for line in ("1", "2", "3"):
        await upload(client, [tap((await ride_code(client, rider))["code"], line=line)])
    day = (await trips(client, rider))[0]["service_date"]
    officer = bearer(await login(client, "officer"))
    period = f"{ADMIN}/lines?from={day}&to={day}"
    pages = await _pages(client, officer, period + "&limit=2")
    assert [[r["line"] for r in page] for page in pages] == [["1", "2"], ["3"]]
    [only] = (await _get(client, officer, period + "&line=2"))["items"]
    assert (only["line"], only["trips"]) == ("2", 1)  # a transfer: its fare may be 0
    lines = await _csv(client, officer, f"{ADMIN}/lines.csv?from={day}&to={day}")
    assert lines == ["day,line,trips,revenue_fen"] + [
        f"{r['day']},{r['line']},1,{r['revenue_fen']}" for page in pages for r in page
    ]
    await problem(await client.get(period + "&cursor=bm90LWEtY3Vyc29y", headers=officer),
                  400, "invalid_cursor")  # fmt: skip
    await problem(await client.get(f"{ADMIN}/lines?from=0001-01-01&to=0001-12-31",
                                   headers=officer), 422, "validation_failed")  # fmt: skip


async def test_rider_trips_are_paged_by_cursor_and_bounded(client: TestClient) -> None:
    rider, _ = await open_account(client, "resident")
    for _ in range(3):
        await upload(client, [tap((await ride_code(client, rider))["code"])])
    pages = await _pages(client, rider, "/api/v1/transit/trips?limit=2")
    assert [len(page) for page in pages] == [2, 1]
    ids = [t["id"] for page in pages for t in page]
    assert len(set(ids)) == 3
    for bad in ("before=99999999999999999999", "limit=1000", "cursor=" + "x" * 300):
        resp = await client.get(f"/api/v1/transit/trips?{bad}", headers=rider)
        await problem(resp, 422, "validation_failed")
    resp = await client.get("/api/v1/transit/trips?cursor=WzEsMl0", headers=rider)
    await problem(resp, 400, "invalid_cursor")


async def test_cards_runs_and_results(client: TestClient) -> None:
    await sim(client, "aishandong", "POST", "/_sim/licences", json=CERTIFICATE)
    rider, _ = await open_account(client, "resident")
    resp = await client.post("/api/v1/transit/special-card", headers=rider,
                             json={"kind": "disability"})  # fmt: skip
    card = await resp.json()
    officer = bearer(await login(client, "officer"))
    [row] = (await _get(client, officer, f"{ADMIN}/special-cards?kind=disability"))["items"]
    assert (row["id"], row["state"], row["fare_class"]) == (card["id"], "active", "free")
    assert "certificate_no" not in row
    assert (await _get(client, officer, f"{ADMIN}/special-cards?state=review"))["items"] == []
    summary = await _get(client, officer, f"{ADMIN}/special-cards/summary")
    assert summary["items"] == [{"kind": "disability", "state": "active", "cards": 1}]

    await sim(client, "aishandong", "POST", "/_sim/licences",
              json={"id_number": CERTIFICATE["id_number"], "kind": "disability_certificate",
                    "valid_until": "2026-01-01"})  # fmt: skip
    await _run_reverification(client, card["id"])
    [run] = (await _get(client, officer, f"{ADMIN}/reverification-runs?status=finished"))["items"]
    assert (run["trigger"], run["checked"], run["suspended"]) == ("operator", 1, 1)
    results = f"{ADMIN}/reverification-results?run={run['id']}&outcome=suspended"
    [check] = (await _get(client, officer, results))["items"]
    assert (check["card"], check["state"], check["kind"]) == (card["id"], "suspended", "disability")
    assert len(await _csv(client, officer, f"{ADMIN}/reverification-runs.csv")) == 2
    assert len(await _csv(client, officer, results.replace("results?", "results.csv?"))) == 2
    lines = await _csv(client, officer, f"{ADMIN}/special-cards.csv?state=suspended")
    assert lines[0].startswith("id,account,kind,state")
    assert card["id"] in lines[1]
    empty = await _get(client, officer, f"{ADMIN}/reverification-results?outcome=renewed")
    assert empty == {"items": [], "next_cursor": None}


async def test_arrears_are_listed_and_exported(client: TestClient) -> None:
    rider, account = await open_account(client, "resident")
    contract = f"pap{uuid.UUID(account['id']).hex[:29]}"
    await sim(client, "wechatpay", "POST", "/_sim/contracts",
              json={"contract_id": contract, "balance_fen": 0})  # fmt: skip
    await upload(client, [tap((await ride_code(client, rider))["code"])])
    await settle_today(client)
    officer = bearer(await login(client, "officer"))
    [row] = (await _get(client, officer, f"{ADMIN}/arrears?payment_method=deduction"))["items"]
    assert (row["account"], row["arrears_fen"]) == (account["id"], 200)
    assert (await _get(client, officer, f"{ADMIN}/arrears?min_fen=201"))["items"] == []
    lines = await _csv(client, officer, f"{ADMIN}/arrears.csv")
    assert lines[1].startswith(f"{account['id']},active,deduction,200,")
    resp = await client.get(f"{ADMIN}/arrears", headers=rider)
    await problem(resp, 403, "forbidden_role")
    await problem(await client.get(f"{ADMIN}/arrears?from=2026-02-01&to=2026-01-01",
                                   headers=officer), 422, "validation_failed")  # fmt: skip
