"""Operators: tier rules, the benefits catalogue, and the scan that finds eligible people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from models.talent.cards import TalentCard
from services.talent import notices
from services.talent.clock import local_date
from tests.helpers import problem, run_jobs
from tests.talent.support import messages, set_record

RULES = "/api/v1/admin/talent/rules"
BENEFITS = "/api/v1/admin/talent/benefits"
SCAN = "/api/v1/admin/talent/policy-scan"


async def test_rules_are_one_editable_table(
    client: TestClient, officer: dict[str, str], talent: dict[str, str]
) -> None:
    rules = await (await client.get(RULES, headers=officer)).json()
    assert [(r["talent_class"], r["tier"], r["family_cards"]) for r in rules["items"]] == [
        ("A", "gold", 3),
        ("B", "gold", 3),
        ("C", "silver", 0),
        ("D", "silver", 0),
        ("E", "silver", 0),
        ("practical", "standard", 0),
    ]
    change = {"tier": "gold", "family_cards": 1, "max_years": 2}
    resp = await client.put(f"{RULES}/D", json=change, headers=officer)
    assert resp.status == 200, await resp.text()
    await problem(
        await client.put(f"{RULES}/Z", json=change, headers=officer), 400, "talent_class_unknown"
    )
    too_long = {**change, "max_years": 6}
    assert (await client.put(f"{RULES}/D", json=too_long, headers=officer)).status == 422
    await problem(
        await client.put(f"{RULES}/D", json=change, headers=talent), 403, "forbidden_role"
    )
    # The talent persona (class D) now gets gold, for two years at most.
    await client.post("/api/v1/talent/applications", json={}, headers=talent)
    card = await (await client.get("/api/v1/talent/card", headers=talent)).json()
    today = local_date(datetime.now(UTC))
    assert (card["tier"], card["family_allowance"]) == ("gold", 1)
    assert card["valid_until"] == today.replace(year=today.year + 2).isoformat()


async def test_benefits_catalogue(client: TestClient, officer: dict[str, str]) -> None:
    catalogue = await (await client.get(BENEFITS, headers=officer)).json()
    assert "hospital-green-channel" in {b["code"] for b in catalogue["items"]}
    body = {
        "code": "lounge",
        "name_zh": "机场贵宾厅",
        "name_en": "Airport lounge",
        "merchant": "liugong-island",
        "tiers": ["gold"],
        "quota": 6,
        "period": "year",
        "family_eligible": True,
        "active_from": "2026-01-01",
    }
    resp = await client.post(BENEFITS, json=body, headers=officer)
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["tiers"] == ["gold"]
    await problem(
        await client.post(BENEFITS, json=body, headers=officer), 409, "talent_benefit_exists"
    )
    terms = {k: v for k, v in body.items() if k != "code"}
    changed = await client.put(f"{BENEFITS}/lounge", json={**terms, "quota": None}, headers=officer)
    assert (await changed.json())["quota"] is None
    await problem(
        await client.put(f"{BENEFITS}/nope", json=terms, headers=officer),
        404,
        "talent_benefit_not_found",
    )
    await problem(
        await client.post(
            BENEFITS,
            json={**body, "code": "x2", "merchant": "weihai-service-office"},
            headers=officer,
        ),
        400,
        "talent_partner_unknown",
    )
    backwards = {**body, "code": "x3", "active_until": "2025-12-31"}
    await problem(
        await client.post(BENEFITS, json=backwards, headers=officer), 400, "talent_benefit_dates"
    )
    assert (
        await client.post(BENEFITS, json={**body, "code": "Bad Code"}, headers=officer)
    ).status == 422


async def test_new_qualifications_find_people_once(
    client: TestClient, officer: dict[str, str], resident: dict[str, str]
) -> None:
    master = {"level": "master", "institution": "山东大学", "awarded_on": "2026-06-30"}
    await set_record(client, "resident", education=master, talent_class="E")
    for _ in range(2):  # asked twice: the same change is told once
        resp = await client.post(SCAN, headers=officer)
        assert resp.status == 202, await resp.text()
        await run_jobs(client)
    [told] = await messages(client, "resident")
    assert told["data"] == {
        "thing1": "威海英才卡",
        "thing2": "您可申领银卡",
        "thing3": "免提交证明材料，掌上即可办理",
    }
    # And the resident can now apply with no paper.
    resp = await client.post("/api/v1/talent/applications", json={}, headers=resident)
    assert (await resp.json())["basis"] == "no_proof"


async def test_holders_are_told_only_of_an_upgrade(
    client: TestClient, officer: dict[str, str], silver_card: dict[str, Any]
) -> None:
    await set_record(
        client,
        "talent",
        title={"level": "full_senior", "name": "正高级工程师", "awarded_on": "2026-10-01"},
    )
    await client.post(SCAN, headers=officer)
    await run_jobs(client)
    before = await messages(client, "talent")  # the card's approval only
    await set_record(client, "talent", talent_class="B")
    await client.post(SCAN, headers=officer)
    await run_jobs(client)
    after = await messages(client, "talent")
    assert [m["data"]["thing2"] for m in after[len(before) :]] == ["您可升级为金卡"]


async def test_cards_about_to_expire_are_reminded_once(
    client: TestClient, silver_card: dict[str, Any]
) -> None:
    soon = local_date(datetime.now(UTC)) + timedelta(days=10)
    await TalentCard.filter(id=silver_card["id"]).update(valid_until=soon)
    now = datetime.now(UTC)
    assert await notices.remind_expiring(now) == 1
    assert await notices.remind_expiring(now) == 1  # found again, but queued once
    await run_jobs(client)
    reminders = [m for m in await messages(client, "talent") if "date2" in m["data"]]
    assert [m["data"]["date2"] for m in reminders] == [soon.isoformat()]
