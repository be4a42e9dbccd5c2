"""Venue and office lists: redemptions over any range, the review queue, the catalogue; cursor
pages, filters, CSV (names masked, no personal numbers) and bounded query values."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from integrations.simworld import PEOPLE
from models.talent.benefits import TalentRedemption
from services.talent.clock import local_date
from tests.helpers import bearer, login, problem
from tests.talent.support import REDEMPTIONS, card_code, picture, redeem, upload

QUEUE = "/api/v1/admin/talent/applications"
BENEFITS = "/api/v1/admin/talent/benefits"
NUMBERS = [p.id_number for p in PEOPLE.values()]


async def _json(client: TestClient, path: str, who: dict[str, str], **params: Any) -> Any:
    resp = await client.get(path, params=params, headers=who)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _walk(client: TestClient, path: str, who: dict[str, str], **params: Any) -> list[Any]:
    items: list[Any] = []
    cursor: str | None = None
    while True:
        more = {"cursor": cursor} if cursor else {}
        page = await _json(client, path, who, limit="1", **params, **more)
        assert len(page["items"]) <= 1
        items += page["items"]
        if (cursor := page["next_cursor"]) is None:
            return items


async def _csv(client: TestClient, path: str, who: dict[str, str], **params: Any) -> Any:
    resp = await client.get(path, params=params, headers=who)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "text/csv"
    text = (await resp.read()).decode("utf-8-sig")
    assert not [n for n in NUMBERS if n in text]
    return list(csv.DictReader(text.splitlines()))


async def test_a_venue_sees_any_range_by_benefit_paged_and_as_csv(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    for _ in range(3):
        assert (await redeem(client, gatekeeper, await card_code(client, talent))).status == 201
    oldest = await TalentRedemption.all().order_by("redeemed_at").first()
    assert oldest is not None
    await TalentRedemption.filter(id=oldest.id).update(
        redeemed_at=datetime(2026, 1, 10, 2, tzinfo=UTC)
    )
    today = local_date(datetime.now(UTC)).isoformat()

    day = await _json(client, REDEMPTIONS, gatekeeper)  # today, as before
    assert (day["day"], day["total"], len(day["items"])) == (today, 2, 2)
    walked = await _walk(client, REDEMPTIONS, gatekeeper, **{"from": "2026-01-01"})
    assert len(walked) == 3
    assert len({i["id"] for i in walked}) == 3
    assert walked[-1]["id"] == str(oldest.id)  # newest first
    page = await _json(client, REDEMPTIONS, gatekeeper, limit="1", **{"from": "2026-01-01"})
    assert (page["from"], page["to"], page["day"], page["total"]) == ("2026-01-01", today, None, 3)
    january = await _json(
        client, REDEMPTIONS, gatekeeper, **{"from": "2026-01-01", "to": "2026-01-31"}
    )
    assert [i["id"] for i in january["items"]] == [str(oldest.id)]
    one_day = await _json(client, REDEMPTIONS, gatekeeper, day="2026-01-10")
    assert one_day["total"] == 1
    other = await _json(client, REDEMPTIONS, gatekeeper, benefit="liugong-island-guide",
                        **{"from": "2026-01-01"})  # fmt: skip
    assert (other["total"], other["items"]) == (0, [])

    rows = await _csv(client, f"{REDEMPTIONS}.csv", gatekeeper, **{"from": "2026-01-01"})
    assert rows[0]["id"] == str(oldest.id)  # oldest first
    assert {(r["benefit"], r["name"], r["tier"], r["family"]) for r in rows} == {
        ("liugong-island-entry", "林*言", "silver", "False")
    }
    librarian = bearer(await login(client, "librarian"))
    assert await _csv(client, f"{REDEMPTIONS}.csv", librarian, **{"from": "2026-01-01"}) == []


@pytest.mark.parametrize(
    "params",
    [
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
        {"day": "2026-01-01", "from": "2026-01-01"},
        {"from": "2026-03-01", "to": "2026-01-01"},
        {"benefit": "x" * 65},
        {"limit": "0"},
    ],
)
async def test_venue_query_values_are_bounded(
    client: TestClient, gatekeeper: dict[str, str], params: dict[str, str]
) -> None:
    await problem(await client.get(REDEMPTIONS, params=params, headers=gatekeeper), 422,
                  "validation_failed")  # fmt: skip


async def test_the_review_queue_pages_filters_and_exports(
    client: TestClient, officer: dict[str, str]
) -> None:
    for persona in ("resident", "elder"):
        who = bearer(await login(client, persona))
        evidence = await (await upload(client, who, picture("JPEG"))).json()
        body = {"evidence": [evidence["id"]], "claimed_class": "E"}
        resp = await client.post("/api/v1/talent/applications", json=body, headers=who)
        assert resp.status == 201, await resp.text()
    walked = await _walk(client, QUEUE, officer)
    assert [a["applicant_name"] for a in walked] == [PEOPLE["resident"].name, PEOPLE["elder"].name]
    assert (await _json(client, QUEUE, officer, kind="renewal"))["items"] == []
    assert (await _json(client, QUEUE, officer, to="2026-01-01"))["items"] == []
    rows = await _csv(client, f"{QUEUE}.csv", officer, status="all")
    assert [(r["kind"], r["status"], r["evidence"]) for r in rows] == [
        ("new", "pending_review", "1")
    ] * 2
    assert all("*" in r["applicant"] for r in rows)  # an export travels: names masked too
    assert all("*" in r["applicant_id_masked"] for r in rows)


async def test_the_catalogue_pages_filters_and_exports(
    client: TestClient, officer: dict[str, str]
) -> None:
    walked = await _walk(client, BENEFITS, officer)
    codes = [b["code"] for b in walked]
    assert codes == sorted(codes)
    assert len(codes) >= 2
    at_the_island = await _json(client, BENEFITS, officer, merchant="liugong-island")
    assert {b["merchant"] for b in at_the_island["items"]} == {"liugong-island"}
    for tier in ("gold", "silver", "standard"):
        found = await _json(client, BENEFITS, officer, tier=tier, limit="200")
        assert all(tier in b["tiers"] for b in found["items"])
    assert (await _json(client, BENEFITS, officer, active_on="2000-01-01"))["items"] == []
    rows = await _csv(client, f"{BENEFITS}.csv", officer)
    assert [r["code"] for r in rows] == codes
    await problem(await client.get(BENEFITS, params={"active_on": "1999-12-31"}, headers=officer),
                  422, "validation_failed")  # fmt: skip


async def test_a_cursor_from_another_list_is_refused(
    client: TestClient, officer: dict[str, str], gatekeeper: dict[str, str],
    talent: dict[str, str], silver_card: dict[str, Any],
) -> None:  # fmt: skip
    for _ in range(2):
        assert (await redeem(client, gatekeeper, await card_code(client, talent))).status == 201
    cursor = (await _json(client, REDEMPTIONS, gatekeeper, limit="1"))["next_cursor"]
    assert cursor
    # the catalogue is ordered by code with integer ids: that cursor cannot be a position in it
    resp = await client.get(BENEFITS, params={"cursor": cursor}, headers=officer)
    await problem(resp, 400, "invalid_cursor")
    # the queue is ordered by time with UUIDs like the venue's list: a position, harmlessly
    assert (await client.get(QUEUE, params={"cursor": cursor}, headers=officer)).status == 200


@pytest.mark.parametrize(
    ("at", "day"),
    [
        (datetime(2026, 3, 9, 16, 5, tzinfo=UTC), "2026-03-10"),  # 00:05 in Weihai
        (datetime(2026, 3, 10, 15, 55, tzinfo=UTC), "2026-03-10"),  # 23:55 in Weihai
    ],
)
async def test_a_redemption_counts_on_its_local_day_at_any_hour(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    silver_card: dict[str, Any],
    at: datetime,
    day: str,
) -> None:
    # SQLite compared stored UTC text with "+08:00" day bounds as text: a venue's day view
    # missed every scan made between midnight and 08:00 (found when CI ran after 16:00 UTC).
    assert (await redeem(client, gatekeeper, await card_code(client, talent))).status == 201
    await TalentRedemption.all().update(redeemed_at=at)
    found = await _json(client, REDEMPTIONS, gatekeeper, day=day)
    assert (found["total"], len(found["items"])) == (1, 1)
    for other in ("2026-03-09", "2026-03-11"):
        assert (await _json(client, REDEMPTIONS, gatekeeper, day=other))["total"] == 0
