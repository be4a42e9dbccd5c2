"""A failed deduction becomes arrears: no new code, listed in the keyring, until paid."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestClient

from models.notifications import Notification
from services.codes import snapshot
from tests.helpers import problem, sim
from tests.transit.support import keyring, open_account, ride_code, settle_today, tap, upload


async def test_arrears_block_the_code_until_paid(client: TestClient) -> None:
    headers, account = await open_account(client, "resident")
    contract = f"pap{uuid.UUID(account['id']).hex[:29]}"
    await sim(client, "wechatpay", "POST", "/_sim/contracts",
              json={"contract_id": contract, "balance_fen": 0})  # fmt: skip
    await upload(client, [tap((await ride_code(client, headers))["code"])])
    await settle_today(client)

    me = await (await client.get("/api/v1/transit/account", headers=headers)).json()
    assert (me["arrears_fen"], me["may_ride"]) == (200, False)
    body = await problem(await client.get("/api/v1/transit/code", headers=headers), 403,
                         "transit_in_arrears")  # fmt: skip
    assert body["arrears_fen"] == 200
    ring, _ = await keyring(client)
    assert account["id"] in {r.subject.text for r in ring.revocations}
    assert await Notification.filter(template="payment_due").count() == 1

    await sim(client, "wechatpay", "POST", "/_sim/contracts",
              json={"contract_id": contract, "balance_fen": 10_000})  # fmt: skip
    resp = await client.post("/api/v1/transit/account/repay", headers=headers)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["arrears_fen"] == 0
    await ride_code(client, headers)  # at once, with no wait for any cache
    later = await snapshot.load_keyring()  # validators get it within the cache's 5 s
    assert later.version > ring.version
    assert account["id"] not in {r.subject.text for r in later.revocations}
