"""Special-group cards from data, and the annual job that re-checks them by itself."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from integrations.simworld import PERSONAS
from models.notifications import Notification
from models.transit.cards import SpecialCard
from tests.helpers import bearer, login, problem, run_jobs, sim
from tests.transit.support import open_account, ride_code

NUMBER = PERSONAS["resident"].id_number
CERTIFICATE = {
    "id_number": NUMBER, "kind": "disability_certificate", "number": NUMBER + "41",
    "issuer": "环翠区残疾人联合会", "issuer_code": "371002", "issued_on": "2024-01-10",
    "valid_until": "2034-01-09", "attributes": {"category": "physical", "grade": "4"},
}  # fmt: skip


async def _run_reverification(client: TestClient, card_id: str | None = None) -> None:
    officer = bearer(await login(client, "officer"))
    if card_id:
        resp = await client.post(f"/api/v1/admin/transit/special-cards/{card_id}/recheck",
                                 headers=officer)  # fmt: skip
        assert resp.status == 204, await resp.text()
    resp = await client.post("/api/v1/admin/transit/runs", headers=officer,
                             json={"job": "reverification"})  # fmt: skip
    assert resp.status == 204, await resp.text()
    await run_jobs(client)


async def test_expired_certificate_suspends_the_card(client: TestClient) -> None:
    await sim(client, "aishandong", "POST", "/_sim/licences", json=CERTIFICATE)
    headers, _ = await open_account(client, "resident")
    resp = await client.post("/api/v1/transit/special-card", headers=headers,
                             json={"kind": "disability"})  # fmt: skip
    assert resp.status == 201, await resp.text()
    card = await resp.json()
    assert (card["state"], card["fare_class"]) == ("active", "free")
    assert (await ride_code(client, headers))["fare_class"] == "free"

    await _run_reverification(client)  # nothing due yet: nothing changes
    assert (await SpecialCard.get(id=card["id"])).state == "active"

    await sim(client, "aishandong", "POST", "/_sim/licences",
              json={"id_number": NUMBER, "kind": "disability_certificate",
                    "valid_until": "2026-01-01"})  # fmt: skip
    await _run_reverification(client, card["id"])
    assert (await SpecialCard.get(id=card["id"])).state == "suspended"
    assert (await ride_code(client, headers))["fare_class"] == "full"
    [told] = await Notification.filter(template="reverification")
    assert told.data["phrase2"] == "已暂停"
    assert told.status == "sent"
    await _run_reverification(client, card["id"])  # idempotent: suspended cards are not due
    assert await Notification.filter(template="reverification").count() == 1


async def test_certificate_from_outside_the_city_goes_to_review(client: TestClient) -> None:
    await sim(client, "aishandong", "POST", "/_sim/licences",
              json={**CERTIFICATE, "issuer_code": "370102"})  # fmt: skip
    headers, _ = await open_account(client, "resident")
    resp = await client.post("/api/v1/transit/special-card", headers=headers,
                             json={"kind": "disability"})  # fmt: skip
    assert (await resp.json())["state"] == "review"


async def test_no_record_no_card(client: TestClient) -> None:
    headers, _ = await open_account(client, "resident")
    resp = await client.post("/api/v1/transit/special-card", headers=headers,
                             json={"kind": "student"})  # fmt: skip
    await problem(resp, 403, "special_card_not_eligible")


async def test_two_workers_at_once_check_each_card_once(client: TestClient) -> None:
    from datetime import UTC, datetime, timedelta

    from palm import keys
    from services.transit import reverification

    await sim(client, "aishandong", "POST", "/_sim/licences", json=CERTIFICATE)
    headers, _ = await open_account(client, "resident")
    resp = await client.post("/api/v1/transit/special-card", headers=headers,
                             json={"kind": "disability"})  # fmt: skip
    assert resp.status == 201
    later = datetime.now(UTC) + timedelta(days=400)  # the card is due by then
    deps = client.app[keys.DEPS]
    counts = await asyncio.gather(
        *(reverification.reverify_due(deps, now=later, batch=1) for _ in range(3))
    )
    assert sorted(counts) == [0, 0, 1]
    assert await Notification.filter(template="reverification").count() == 1
    assert await reverification.reverify_due(deps, now=later) == 0  # idempotent
