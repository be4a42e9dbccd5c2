"""The card: live code and picture, report lost and replace, family sub-cards."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient
from tortoise.transactions import in_transaction

from codes import qr, text
from codes.fields import Purpose, Subject, Tier
from codes.verify import verify_code
from integrations.simworld import PEOPLE
from models.talent.cards import CardStatus, TalentCard
from services.codes import snapshot
from services.talent import cards
from tests.helpers import make_id_number, problem
from tests.talent.support import card_code, redeem, relative, set_record

CARD = "/api/v1/talent/card"
FAMILY = "/api/v1/talent/card/family"


async def test_the_code_carries_the_card_and_its_tier(
    client: TestClient, talent: dict[str, str], silver_card: dict[str, Any]
) -> None:
    resp = await client.get(f"{CARD}/code", headers=talent)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert (body["card_id"], body["tier"]) == (silver_card["id"], "silver")
    expires = datetime.fromisoformat(body["expires_at"]).timestamp()
    refresh = datetime.fromisoformat(body["refresh_at"]).timestamp()
    assert 110 <= expires - time.time() <= 121  # about two minutes
    assert refresh == expires - 60  # refreshed every minute
    verified = verify_code(
        text.decode(body["code"]),
        await snapshot.load_keyring(),
        purpose=Purpose.TALENT,
        now=int(time.time()),
    )
    assert verified.subject.text == silver_card["id"]
    assert verified.attributes.tier == Tier.SILVER


async def test_the_card_image_decodes_to_a_code_that_verifies(
    client: TestClient, talent: dict[str, str], silver_card: dict[str, Any]
) -> None:
    resp = await client.get(f"{CARD}/image", headers=talent)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "image/png"
    assert resp.headers["Cache-Control"] == "no-store"
    code = qr.decode_image(await resp.read())  # zxing-cpp reads the picture
    verified = verify_code(
        code, await snapshot.load_keyring(), purpose=Purpose.TALENT, now=int(time.time())
    )
    assert verified.subject.text == silver_card["id"]
    expires = datetime.fromisoformat(resp.headers["X-Code-Expires-At"])
    assert expires.timestamp() == verified.expires_at


async def test_no_card_no_code(client: TestClient, resident: dict[str, str]) -> None:
    await problem(await client.get(f"{CARD}/code", headers=resident), 404, "talent_card_not_found")
    await problem(await client.get(f"{CARD}/image", headers=resident), 404, "talent_card_not_found")


async def test_a_lost_card_stops_at_once_and_is_replaced(
    client: TestClient,
    talent: dict[str, str],
    gatekeeper: dict[str, str],
    silver_card: dict[str, Any],
) -> None:
    before = await card_code(client, talent)
    await problem(await client.post(f"{CARD}/reissue", headers=talent), 409, "talent_card_not_lost")
    resp = await client.post(f"{CARD}/report-lost", headers=talent)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["state"] == "lost"
    assert (await client.post(f"{CARD}/report-lost", headers=talent)).status == 200  # idempotent
    keyring = await snapshot.load_keyring()
    subject = Subject.from_uuid(uuid.UUID(silver_card["id"]))
    assert keyring.is_revoked(subject.encoded, Purpose.TALENT)
    await problem(await redeem(client, gatekeeper, before), 409, "talent_card_lost")
    await problem(await client.get(f"{CARD}/code", headers=talent), 409, "talent_card_lost")

    resp = await client.post(f"{CARD}/reissue", headers=talent)
    assert resp.status == 201, await resp.text()
    new = await resp.json()
    assert new["id"] != silver_card["id"]
    assert (new["state"], new["tier"], new["valid_until"]) == ("active", "silver", "2029-06-30")
    assert (await redeem(client, gatekeeper, await card_code(client, talent))).status == 201
    await problem(await redeem(client, gatekeeper, before), 409, "talent_card_lost")


async def _gold(client: TestClient, talent: dict[str, str]) -> dict[str, Any]:
    await set_record(client, "talent", talent_class="A")
    resp = await client.post("/api/v1/talent/applications", json={}, headers=talent)
    assert resp.status == 201, await resp.text()
    return dict(await (await client.get(CARD, headers=talent)).json())


async def _spouse(client: TestClient) -> dict[str, str]:
    return await relative(
        client, "talent_spouse", "李婉清", "1990-03-15", relation="spouse", seq=22
    )


async def test_gold_cards_have_family_sub_cards(
    client: TestClient, talent: dict[str, str], gatekeeper: dict[str, str]
) -> None:
    card = await _gold(client, talent)
    assert (card["tier"], card["family_allowance"], card["family"]) == ("gold", 3, [])
    spouse = await _spouse(client)
    resp = await client.post(FAMILY, json=spouse, headers=talent)
    assert resp.status == 201, await resp.text()
    sub = await resp.json()
    assert (sub["name"], sub["relation"], sub["valid_until"]) == (
        "李*清",
        "spouse",
        card["valid_until"],
    )
    shown = await (await client.get(CARD, headers=talent)).json()
    assert [f["id"] for f in shown["family"]] == [sub["id"]]
    await problem(
        await client.post(FAMILY, json=spouse, headers=talent), 409, "talent_family_exists"
    )

    code = await card_code(client, talent, sub["id"])
    done = await redeem(client, gatekeeper, code)
    assert done.status == 201, await done.text()
    assert ((await done.json())["family"], (await done.json())["name"]) == (True, "李*清")
    await problem(
        await redeem(
            client, gatekeeper, await card_code(client, talent, sub["id"]), "liugong-island-guide"
        ),
        403,
        "talent_family_not_eligible",
    )

    assert (await client.delete(f"{FAMILY}/{sub['id']}", headers=talent)).status == 204
    await problem(
        await client.get(f"{CARD}/code", headers=talent, params={"card": sub["id"]}),
        409,
        "talent_card_inactive",
    )
    await problem(await redeem(client, gatekeeper, code), 409, "talent_card_inactive")


async def test_family_members_are_checked_and_limited(
    client: TestClient, talent: dict[str, str]
) -> None:
    await _gold(client, talent)
    spouse = await _spouse(client)
    wrong = {**spouse, "name": "李婉青"}
    await problem(
        await client.post(FAMILY, json=wrong, headers=talent),
        400,
        "talent_family_identity_mismatch",
    )
    own = {**spouse, "name": "林嘉言", "id_number": PEOPLE["talent"].id_number}
    await problem(await client.post(FAMILY, json=own, headers=talent), 400, "talent_family_self")
    bad = {**spouse, "id_number": make_id_number("19900101", 11)[:-1] + "0"}
    assert (await client.post(FAMILY, json=bad, headers=talent)).status == 422
    # Someone real but not on the talent's household register page: no relation proven.
    stranger = PEOPLE["parent_mother"]
    elsewhere = {"relation": "parent", "name": stranger.name, "id_number": stranger.id_number}
    await problem(
        await client.post(FAMILY, json=elsewhere, headers=talent),
        400,
        "talent_family_not_in_household",
    )
    household = [
        await relative(client, "talent_son", "林子墨", "2015-05-01", relation="child", seq=31),
        await relative(client, "talent_daughter", "林子萱", "2018-09-09", relation="child", seq=42),
        await relative(client, "talent_father", "林国栋", "1958-02-11", relation="parent", seq=13),
    ]
    for body in household:
        resp = await client.post(FAMILY, json=body, headers=talent)
        assert resp.status == 201, await resp.text()
    await problem(
        await client.post(FAMILY, json=spouse, headers=talent), 409, "talent_family_limit"
    )


async def test_silver_cards_have_no_sub_cards(
    client: TestClient, talent: dict[str, str], silver_card: dict[str, Any]
) -> None:
    spouse = await _spouse(client)
    await problem(
        await client.post(FAMILY, json=spouse, headers=talent), 403, "talent_family_not_allowed"
    )


async def test_losing_the_card_stops_sub_cards_and_replacing_brings_new_ones(
    client: TestClient, talent: dict[str, str], gatekeeper: dict[str, str]
) -> None:
    await _gold(client, talent)
    sub = await (await client.post(FAMILY, json=await _spouse(client), headers=talent)).json()
    code = await card_code(client, talent, sub["id"])
    await client.post(f"{CARD}/report-lost", headers=talent)
    await problem(await redeem(client, gatekeeper, code), 409, "talent_card_lost")
    new = await (await client.post(f"{CARD}/reissue", headers=talent)).json()
    [replaced] = new["family"]
    assert replaced["id"] != sub["id"]
    assert (
        await redeem(client, gatekeeper, await card_code(client, talent, replaced["id"]))
    ).status == 201


async def test_someone_elses_sub_card_is_not_found(
    client: TestClient, talent: dict[str, str], resident: dict[str, str]
) -> None:
    await _gold(client, talent)
    sub = await (await client.post(FAMILY, json=await _spouse(client), headers=talent)).json()
    await problem(
        await client.get(f"{CARD}/code", headers=resident, params={"card": sub["id"]}),
        404,
        "talent_family_card_not_found",
    )
    await problem(
        await client.delete(f"{FAMILY}/{sub['id']}", headers=resident),
        404,
        "talent_family_card_not_found",
    )
    assert (await client.get(f"{CARD}/code", headers=talent, params={"card": "x"})).status == 422


async def test_closing_the_account_ends_the_card_and_its_sub_cards(
    client: TestClient, talent: dict[str, str], gatekeeper: dict[str, str]
) -> None:
    """The hook ``services.identity.residents.close`` is to call inside its transaction."""
    card = await _gold(client, talent)
    sub = await (await client.post(FAMILY, json=await _spouse(client), headers=talent)).json()
    shown = [await card_code(client, talent), await card_code(client, talent, sub["id"])]
    holder = (await TalentCard.get(id=card["id"])).resident_id  # type: ignore[attr-defined]
    async with in_transaction():
        assert await cards.close_holder(holder, datetime.now(UTC)) == 2
    for code in shown:  # codes shown before the closure stop at once
        await problem(await redeem(client, gatekeeper, code), 409, "talent_card_inactive")
    ended = await TalentCard.filter(resident_id=holder).values_list("status", "active_key")
    assert sorted(ended) == [(CardStatus.CANCELLED, None)] * 2  # the spouse is free again
    async with in_transaction():
        assert await cards.close_holder(holder, datetime.now(UTC)) == 0  # idempotent
