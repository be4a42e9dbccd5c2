"""Redeeming benefits at the gate: once per code, within the quota, only where offered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from models.talent.benefits import TalentQuotaUsage, TalentRedemption
from models.talent.cards import TalentCard
from palm import keys
from services.talent import cards
from services.talent.clock import local_date
from tests.helpers import bearer, login, problem
from tests.talent.support import REDEMPTIONS, card_code, redeem

BENEFITS = "/api/v1/admin/talent/benefits"


async def _benefit(client: TestClient, officer: dict[str, str], code: str, **terms: Any) -> None:
    body = {
        "code": code,
        "name_zh": "测试权益",
        "name_en": "Test benefit",
        "merchant": "liugong-island",
        "tiers": ["gold", "silver"],
        "active_from": "2025-01-01",
        **terms,
    }
    resp = await client.post(BENEFITS, json=body, headers=officer)
    assert resp.status == 201, await resp.text()


async def test_gatekeeper_redeems_and_sees_only_what_the_gate_needs(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    [entry] = [b for b in silver_card["benefits"] if b["code"] == "liugong-island-entry"]
    assert (entry["quota"], entry["used"], entry["remaining"], entry["period"]) == (4, 0, 4, "year")
    resp = await redeem(client, gatekeeper, await card_code(client, talent))
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert set(body) == {"id", "name", "tier", "family", "benefit", "remaining", "redeemed_at"}
    assert (body["name"], body["tier"], body["family"], body["remaining"]) == (
        "林*言",
        "silver",
        False,
        3,
    )
    assert body["benefit"] == {
        "code": "liugong-island-entry",
        "name_zh": "刘公岛景区免费游览",
        "name_en": "Free entry to Liugong Island",
    }
    card = await (await client.get("/api/v1/talent/card", headers=talent)).json()
    [entry] = [b for b in card["benefits"] if b["code"] == "liugong-island-entry"]
    assert (entry["used"], entry["remaining"]) == (1, 3)


async def test_a_code_redeems_once(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    code = await card_code(client, talent)
    assert (await redeem(client, gatekeeper, code)).status == 201
    await problem(await redeem(client, gatekeeper, code), 400, "already_used")
    # Concurrent scans of one fresh code: exactly one goes through.
    code = await card_code(client, talent)
    answers = await asyncio.gather(*(redeem(client, gatekeeper, code) for _ in range(10)))
    assert sorted(r.status for r in answers) == [201] + [400] * 9
    assert await TalentRedemption.all().count() == 2


async def test_refusals_have_clear_codes(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    officer: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    librarian = bearer(await login(client, "librarian"))
    code = await card_code(client, talent)
    await problem(await redeem(client, librarian, code), 403, "talent_wrong_merchant")
    await problem(
        await redeem(client, gatekeeper, code, "liugong-island-guide"),
        403,
        "talent_tier_not_eligible",
    )
    await problem(
        await redeem(client, gatekeeper, code, "no-such-benefit"), 404, "talent_benefit_not_found"
    )
    await _benefit(
        client, officer, "autumn-festival", active_from="2025-09-01", active_until="2025-10-07"
    )
    await problem(
        await redeem(client, gatekeeper, code, "autumn-festival"), 409, "talent_benefit_inactive"
    )
    await problem(await redeem(client, gatekeeper, "NOT A CODE"), 400, "malformed")
    await problem(await redeem(client, talent, code), 403, "forbidden_role")
    # None of these spent the code: the right gate still takes it.
    assert (await redeem(client, gatekeeper, code)).status == 201


async def test_an_exhausted_quota_is_refused(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    officer: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    await _benefit(client, officer, "once-a-month", quota=1, period="month")
    first = await redeem(client, gatekeeper, await card_code(client, talent), "once-a-month")
    assert (await first.json())["remaining"] == 0
    await problem(
        await redeem(client, gatekeeper, await card_code(client, talent), "once-a-month"),
        409,
        "talent_quota_exhausted",
    )


async def test_an_expired_card_is_refused(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    code = await card_code(client, talent)
    # The card's last day passes (as time would have it: the date is all that changes).
    yesterday = local_date(datetime.now(UTC)) - timedelta(days=1)
    await TalentCard.filter(id=silver_card["id"]).update(
        valid_until=yesterday, valid_from=yesterday
    )
    # Written behind the service's back (the date passing would not need it: a kept card is
    # judged on today's date every time), so announced here as the service's writes are.
    holder = await TalentCard.get(id=silver_card["id"])
    client.app[keys.DEPS].changes.forget_here(cards.TOPIC, holder.resident_id.hex)
    await problem(await redeem(client, gatekeeper, code), 409, "talent_card_expired")
    await problem(
        await client.get("/api/v1/talent/card/code", headers=talent), 409, "talent_card_expired"
    )
    card = await (await client.get("/api/v1/talent/card", headers=talent)).json()
    assert (card["state"], card["renewal_open"], card["benefits"]) == ("expired", True, [])


async def test_fifty_concurrent_redemptions_leave_exactly_the_quota(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    officer: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    await _benefit(client, officer, "five-a-year", quota=5)
    codes = [await card_code(client, talent) for _ in range(50)]
    answers = await asyncio.gather(*(redeem(client, gatekeeper, c, "five-a-year") for c in codes))
    statuses = sorted(r.status for r in answers)
    assert statuses == [201] * 5 + [409] * 45
    bodies = [await r.json(content_type=None) for r in answers]
    assert sorted(b["remaining"] for b in bodies if "remaining" in b) == [0, 1, 2, 3, 4]
    assert {b["code"] for b in bodies if "code" in b} == {"talent_quota_exhausted"}
    usage = await TalentQuotaUsage.get(benefit__code="five-a-year")
    assert usage.used == 5
    assert await TalentRedemption.filter(benefit__code="five-a-year").count() == 5


async def test_histories_for_resident_merchant_and_operators(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    officer: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    for _ in range(2):
        assert (await redeem(client, gatekeeper, await card_code(client, talent))).status == 201
    mine = await (await client.get("/api/v1/talent/redemptions", headers=talent)).json()
    assert [i["benefit"] for i in mine["items"]] == ["liugong-island-entry"] * 2
    assert mine["items"][0]["merchant_name_zh"] == "刘公岛景区"

    day = await (await client.get(REDEMPTIONS, headers=gatekeeper)).json()
    assert day["day"] == local_date(datetime.now(UTC)).isoformat()
    assert (day["total"], day["totals"]) == (
        2,
        [{"benefit": "liugong-island-entry", "redemptions": 2}],
    )
    assert {i["name"] for i in day["items"]} == {"林*言"}
    other_day = await client.get(REDEMPTIONS, headers=gatekeeper, params={"day": "2025-01-01"})
    assert (await other_day.json())["total"] == 0
    librarian = bearer(await login(client, "librarian"))
    assert (await (await client.get(REDEMPTIONS, headers=librarian)).json())["total"] == 0

    month = local_date(datetime.now(UTC)).strftime("%Y-%m")
    resp = await client.get(
        "/api/v1/admin/talent/redemptions.csv",
        headers=officer,
        params={"from_month": month, "to_month": month},
    )
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "text/csv"
    raw = await resp.read()
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines == [
        "month,benefit,benefit_name,merchant,merchant_name,tier,redemptions",
        f"{month},liugong-island-entry,刘公岛景区免费游览,liugong-island,刘公岛景区,silver,2",
    ]
    bad = await client.get(
        "/api/v1/admin/talent/redemptions.csv",
        headers=officer,
        params={"from_month": month, "to_month": "2020-01"},
    )
    await problem(bad, 400, "talent_report_range")
    await problem(
        await client.get(
            "/api/v1/admin/talent/redemptions.csv",
            headers=gatekeeper,
            params={"from_month": month, "to_month": month},
        ),
        403,
        "forbidden_role",
    )


async def test_the_gate_lists_only_its_own_benefits(
    client: TestClient, gatekeeper: dict[str, str]
) -> None:
    resp = await client.get("/api/v1/merchant/talent/benefits", headers=gatekeeper)
    assert resp.status == 200, await resp.text()
    codes = [b["code"] for b in (await resp.json())["items"]]
    assert codes == ["liugong-island-entry", "liugong-island-guide"]


async def test_every_visit_in_a_period_redeems_once_under_twenty_concurrent_scans(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    officer: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    """The 2nd, 3rd… visit of a quota-limited benefit: one redemption, clear refusals, no 5xx."""
    await _benefit(client, officer, "anytime-tea")  # no quota: for the code left unspent
    for visit in range(1, 5):  # the seeded entry benefit allows 4 a year
        code = await card_code(client, talent)
        answers = await asyncio.gather(*(redeem(client, gatekeeper, code) for _ in range(20)))
        assert sorted(r.status for r in answers) == [201] + [400] * 19, visit
        bodies = [await r.json(content_type=None) for r in answers]
        assert [b["remaining"] for b in bodies if "remaining" in b] == [4 - visit]
        assert {b["code"] for b in bodies if "remaining" not in b} == {"already_used"}
    assert await TalentQuotaUsage.filter(benefit__code="liugong-island-entry").count() == 1
    assert (await TalentQuotaUsage.get(benefit__code="liugong-island-entry")).used == 4
    # A fifth visit is refused, and the refusal does not burn the resident's code.
    code = await card_code(client, talent)
    answers = await asyncio.gather(*(redeem(client, gatekeeper, code) for _ in range(20)))
    assert {r.status for r in answers} <= {400, 409}
    assert any(r.status == 409 for r in answers)
    resp = await redeem(client, gatekeeper, code, "anytime-tea")
    assert resp.status == 201, await resp.text()
    assert await TalentRedemption.filter(benefit__code="liugong-island-entry").count() == 4
