"""Applying for the card: no paper when the platform confirms, an operator otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from services.talent.clock import local_date
from tests.helpers import problem, run_jobs
from tests.talent.support import claimed_size_png, messages, picture, set_record, upload

APPLY = "/api/v1/talent/applications"
QUEUE = "/api/v1/admin/talent/applications"


def _today() -> date:
    return local_date(datetime.now(UTC))


async def test_talent_gets_a_silver_card_with_no_paper(
    client: TestClient, talent: dict[str, str]
) -> None:
    preview = await (await client.get("/api/v1/talent/qualification", headers=talent)).json()
    assert preview["confirmed"] is True
    assert (preview["talent_class"], preview["tier"]) == ("D", "silver")
    assert preview["education"] == "doctorate"

    resp = await client.post(APPLY, json={}, headers=talent)
    assert resp.status == 201, await resp.text()
    application = await resp.json()
    assert (application["status"], application["basis"]) == ("approved", "no_proof")
    assert (application["kind"], application["tier"]) == ("new", "silver")
    assert application["evidence_count"] == 0

    card = await (await client.get("/api/v1/talent/card", headers=talent)).json()
    assert card["id"] == application["card_id"]
    assert (card["state"], card["tier"], card["talent_class"]) == ("active", "silver", "D")
    assert card["name"] == "林*言"
    assert card["valid_from"] == _today().isoformat()
    assert card["valid_until"] == "2029-06-30"  # the labour contract ends first
    assert card["renewal_opens_on"] == "2029-05-31"
    assert card["renewal_open"] is False
    assert card["family_allowance"] == 0

    await run_jobs(client)
    sent = await messages(client, "talent")
    assert [m["data"]["phrase2"] for m in sent] == ["已通过"]
    assert sent[0]["data"]["thing3"] == "已发放银卡，可在小程序查看"


async def test_validity_is_at_most_five_years(client: TestClient, talent: dict[str, str]) -> None:
    await set_record(client, "talent", contract_ends_on="2040-12-31")
    await client.post(APPLY, json={}, headers=talent)
    card = await (await client.get("/api/v1/talent/card", headers=talent)).json()
    today = _today()
    assert card["valid_until"] == today.replace(year=today.year + 5).isoformat()


async def test_holding_a_card_refuses_a_second_until_renewal(
    client: TestClient, talent: dict[str, str], silver_card: dict[str, Any]
) -> None:
    await problem(await client.post(APPLY, json={}, headers=talent), 409, "talent_card_exists")


async def test_renewal_opens_thirty_days_before_expiry(
    client: TestClient, talent: dict[str, str]
) -> None:
    ends = _today() + timedelta(days=20)
    await set_record(client, "talent", contract_ends_on=ends.isoformat())
    first = await (await client.post(APPLY, json={}, headers=talent)).json()
    card = await (await client.get("/api/v1/talent/card", headers=talent)).json()
    assert card["renewal_open"] is True
    await set_record(client, "talent", contract_ends_on="2030-12-31")  # the contract was extended
    resp = await client.post(APPLY, json={}, headers=talent)
    assert resp.status == 201, await resp.text()
    renewal = await resp.json()
    assert renewal["kind"] == "renewal"
    renewed = await (await client.get("/api/v1/talent/card", headers=talent)).json()
    assert renewed["id"] == renewal["card_id"] != first["card_id"]
    assert renewed["valid_until"] == "2030-12-31"


async def test_a_new_class_upgrades_the_card(
    client: TestClient, talent: dict[str, str], silver_card: dict[str, Any]
) -> None:
    await set_record(client, "talent", talent_class="B")
    resp = await client.post(APPLY, json={}, headers=talent)
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["kind"] == "upgrade"
    card = await (await client.get("/api/v1/talent/card", headers=talent)).json()
    assert (card["tier"], card["family_allowance"]) == ("gold", 3)
    assert card["id"] != silver_card["id"]


async def test_unconfirmed_without_evidence_asks_for_it(
    client: TestClient, resident: dict[str, str]
) -> None:
    preview = await (await client.get("/api/v1/talent/qualification", headers=resident)).json()
    assert (preview["confirmed"], preview["reason"]) == (False, "no_class")
    body = await problem(
        await client.post(APPLY, json={"claimed_class": "E"}, headers=resident),
        400,
        "talent_evidence_required",
    )
    assert "(no_class)" in body["detail"]


async def _manual_application(client: TestClient, resident: dict[str, str]) -> dict[str, Any]:
    uploaded = await upload(client, resident, picture("JPEG"))
    assert uploaded.status == 201, await uploaded.text()
    evidence = await uploaded.json()
    assert evidence["content_type"] == "image/jpeg"
    body = {"evidence": [evidence["id"]], "claimed_class": "E", "note": "硕士学位证书"}
    resp = await client.post(APPLY, json=body, headers=resident)
    assert resp.status == 201, await resp.text()
    application: dict[str, Any] = await resp.json()
    assert (application["status"], application["platform_reason"]) == ("pending_review", "no_class")
    assert application["platform_message_en"] == "The talent platform has not classed you yet"
    assert application["evidence_count"] == 1
    return application


async def test_resident_goes_to_review_and_an_officer_approves(
    client: TestClient, resident: dict[str, str], officer: dict[str, str]
) -> None:
    application = await _manual_application(client, resident)
    await problem(
        await client.post(APPLY, json={}, headers=resident), 409, "talent_application_pending"
    )
    await problem(
        await client.get("/api/v1/talent/card", headers=resident), 404, "talent_card_not_found"
    )

    queue = await (await client.get(QUEUE, headers=officer)).json()
    [item] = [i for i in queue["items"] if i["id"] == application["id"]]
    assert item["applicant_name"] == "于晓峰"
    assert item["applicant_id_number"] == "3****************1"
    assert item["platform_summary"]["education"]["level"] == "bachelor"
    image = await client.get(
        f"{QUEUE}/{application['id']}/evidence/{item['evidence'][0]['id']}", headers=officer
    )
    assert (image.status, image.content_type) == (200, "image/jpeg")
    assert (await image.read()).startswith(b"\xff\xd8\xff")

    decision = {"approve": True, "talent_class": "E", "contract_ends_on": "2028-03-31"}
    resp = await client.post(
        f"{QUEUE}/{application['id']}/decision", json=decision, headers=officer
    )
    assert resp.status == 200, await resp.text()
    assert ((await resp.json())["status"], (await resp.json())["tier"]) == ("approved", "silver")
    await problem(
        await client.post(f"{QUEUE}/{application['id']}/decision", json=decision, headers=officer),
        409,
        "talent_application_decided",
    )

    mine = await (await client.get(f"{APPLY}/{application['id']}", headers=resident)).json()
    assert (mine["status"], mine["basis"]) == ("approved", "reviewed")
    card = await (await client.get("/api/v1/talent/card", headers=resident)).json()
    assert (card["tier"], card["valid_until"], card["id"]) == (
        "silver",
        "2028-03-31",
        mine["card_id"],
    )
    await run_jobs(client)
    assert [m["data"]["phrase2"] for m in await messages(client, "resident")] == ["已通过"]


async def test_a_rejection_needs_and_shows_a_reason(
    client: TestClient, resident: dict[str, str], officer: dict[str, str]
) -> None:
    application = await _manual_application(client, resident)
    url = f"{QUEUE}/{application['id']}/decision"
    await problem(
        await client.post(url, json={"approve": False}, headers=officer),
        400,
        "talent_reason_required",
    )
    await problem(
        await client.post(url, json={"approve": True}, headers=officer),
        400,
        "talent_class_required",
    )
    reason = "学位证书与人才平台记录不一致，请核实后重新申请"
    resp = await client.post(url, json={"approve": False, "reason": reason}, headers=officer)
    assert resp.status == 200, await resp.text()
    mine = await (await client.get(APPLY, headers=resident)).json()
    assert (mine["items"][0]["status"], mine["items"][0]["decision_reason"]) == ("rejected", reason)
    await run_jobs(client)
    [sent] = await messages(client, "resident")
    assert sent["data"]["phrase2"] == "未通过"
    assert sent["data"]["thing3"] == reason[:19] + "…"
    # Rejected is final: a new application may be made.
    second = await upload(client, resident, picture())
    body = {"evidence": [(await second.json())["id"]]}
    assert (await client.post(APPLY, json=body, headers=resident)).status == 201


async def test_only_talent_operators_decide_and_never_their_own(
    client: TestClient, resident: dict[str, str], officer: dict[str, str]
) -> None:
    application = await _manual_application(client, resident)
    url = f"{QUEUE}/{application['id']}/decision"
    await problem(
        await client.post(url, json={"approve": False, "reason": "x"}, headers=resident),
        403,
        "forbidden_role",
    )
    await problem(await client.get(QUEUE, headers=resident), 403, "forbidden_role")
    own = await upload(client, officer, picture())
    mine = await client.post(APPLY, json={"evidence": [(await own.json())["id"]]}, headers=officer)
    assert mine.status == 201, await mine.text()
    own_url = f"{QUEUE}/{(await mine.json())['id']}/decision"
    await problem(
        await client.post(own_url, json={"approve": False, "reason": "x"}, headers=officer),
        403,
        "talent_review_own_application",
    )


async def test_evidence_is_checked_by_content(client: TestClient, resident: dict[str, str]) -> None:
    gif = picture("GIF")
    await problem(await upload(client, resident, gif), 400, "talent_evidence_type")
    await problem(
        await upload(client, resident, "bm90IGFuIGltYWdlIGF0IGFsbA=="), 400, "talent_evidence_type"
    )
    await problem(
        await upload(client, resident, "%%% not base64 %%%"), 400, "talent_evidence_encoding"
    )
    truncated = picture("PNG")[:60]
    await problem(await upload(client, resident, truncated), 400, "talent_evidence_unreadable")
    # Tiny files claiming huge pictures (decompression bombs) are refused before decoding:
    # past our limit, and past Pillow's own.
    for side in (7_000, 20_000):
        bomb = claimed_size_png(side, side)
        await problem(await upload(client, resident, bomb), 400, "talent_evidence_too_large")


async def test_evidence_is_one_use_and_only_the_owners(
    client: TestClient, resident: dict[str, str], talent: dict[str, str]
) -> None:
    theirs = await (await upload(client, talent, picture())).json()
    body = {"evidence": [theirs["id"]]}
    await problem(
        await client.post(APPLY, json=body, headers=resident), 400, "talent_evidence_not_found"
    )
    assert (await client.get(APPLY, headers=resident)).status == 200
    assert (await (await client.get(APPLY, headers=resident)).json())["items"] == []


async def test_platform_outage_is_a_503(client: TestClient, talent: dict[str, str]) -> None:
    from tests.helpers import sim

    await sim(client, "talent", "POST", "/_sim/availability", json={"available": False})
    await problem(await client.post(APPLY, json={}, headers=talent), 503, "platform_unavailable")
    await problem(
        await client.get("/api/v1/talent/card", headers=talent), 404, "talent_card_not_found"
    )


async def test_unverified_residents_verify_first(client: TestClient) -> None:
    from tests.helpers import bearer, new_wechat_user

    stranger = bearer(await new_wechat_user(client, "o-new-talent-applicant"))
    await problem(await client.post(APPLY, json={}, headers=stranger), 403, "real_name_required")


async def test_concurrent_applications_issue_one_card(
    client: TestClient, talent: dict[str, str]
) -> None:
    import asyncio

    answers = await asyncio.gather(*(client.post(APPLY, json={}, headers=talent) for _ in range(5)))
    assert sorted(r.status for r in answers) == [201, 409, 409, 409, 409]
    for refused in (r for r in answers if r.status == 409):
        await problem(refused, 409, "talent_card_exists")


async def test_unattached_evidence_is_purged_after_a_day(
    client: TestClient, resident: dict[str, str]
) -> None:
    from models.talent.applications import TalentEvidence
    from palm import keys
    from services.talent import evidence

    data_dir = client.app[keys.SETTINGS].data_dir
    kept = await _manual_application(client, resident)
    loose = await (await upload(client, resident, picture())).json()
    row = await TalentEvidence.get(id=loose["id"])
    stored = data_dir / row.path
    assert stored.exists()
    assert b"\x89PNG" not in stored.read_bytes()  # encrypted at rest
    assert await evidence.purge_unattached(data_dir, datetime.now(UTC)) == 0
    assert await evidence.purge_unattached(data_dir, datetime.now(UTC) + timedelta(days=2)) == 1
    assert not stored.exists()
    assert not await TalentEvidence.exists(id=loose["id"])
    assert await TalentEvidence.filter(application_id=kept["id"]).count() == 1
